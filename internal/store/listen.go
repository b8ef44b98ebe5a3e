package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// Listen returns a channel that receives a value whenever another process commits an
// import to this PostgreSQL database (NOTIFY on commit), so that replicas update their
// index at once. For SQLite it returns nil: the caller's periodic sync covers it.
func (s *Store) Listen(ctx context.Context, onErr func(error)) (<-chan struct{}, error) {
	if s.dialect != Postgres {
		return nil, nil
	}
	l := pq.NewListener(s.url, time.Second, 30*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil && onErr != nil {
			onErr(err)
		}
	})
	if err := l.Listen(notifyChannel); err != nil {
		l.Close()
		return nil, fmt.Errorf("store: listen: %w", err)
	}
	out := make(chan struct{}, 1)
	go func() {
		defer l.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-l.Notify: // nil after a reconnect: sync anyway, something may be missed
				if !ok {
					return
				}
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out, nil
}
