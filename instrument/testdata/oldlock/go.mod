module example.com/oldlock

go 1.16
