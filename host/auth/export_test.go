package auth

import "time"

// NewServerWithClock is New with a test clock.
func NewServerWithClock(cfg Config, now func() time.Time) (*Server, error) { return newServer(cfg, now) }
