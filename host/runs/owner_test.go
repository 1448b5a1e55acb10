package runs

import (
	"strings"
	"testing"
)

// A lease owner names its replica, yet differs per process: a restarted
// replica must not renew the leases of the runs its previous process left.
func TestLeaseOwner(t *testing.T) {
	a, b := leaseOwner("replica-a"), leaseOwner("replica-a")
	if !strings.HasPrefix(a, "replica-a/") || !strings.HasPrefix(b, "replica-a/") || a == b {
		t.Fatalf("owners %q and %q: want replica-a/<random>, distinct", a, b)
	}
	if x, y := leaseOwner(""), leaseOwner(""); x == "" || x == y {
		t.Fatalf("owners without a replica: %q, %q", x, y)
	}
}
