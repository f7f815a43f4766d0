package installer

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// LockFile is the name of the lock file inside a target venv (for a
// non-venv target: inside its site-packages directory, the one directory
// the user asked us to modify).
const LockFile = ".pyshim.lock"

// lockPath is where t's lock lives.
func lockPath(t *Target) string {
	if t.Venv {
		return filepath.Join(t.Dir, LockFile)
	}
	return filepath.Join(t.Scheme.Purelib, LockFile)
}

// lock takes t's exclusive lock, calling waiting once when another process
// holds it. The returned function releases it.
func lock(ctx context.Context, t *Target, waiting func(path string)) (func(), error) {
	p := lockPath(t)
	fl := flock.New(p)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", p, err)
	}
	if !ok {
		if waiting != nil {
			waiting(p)
		}
		if ok, err = fl.TryLockContext(ctx, 25*time.Millisecond); err != nil || !ok {
			if err == nil {
				err = ctx.Err()
			}
			return nil, fmt.Errorf("waiting for the lock %s: %w", p, err)
		}
	}
	return func() { _ = fl.Unlock() }, nil
}
