package redis

// The default namespace's keys, as the tests written before namespaces
// name them.
var (
	defaultKeys = keyspaceOf("")
	metaKey     = defaultKeys.meta()
	leasePrefix = defaultKeys.leasePrefix
)

func docKey(id int) string   { return defaultKeys.doc(id) }
func leaseKey(id int) string { return defaultKeys.lease(id) }
func fenceKey(id int) string { return defaultKeys.fence(id) }
