package scenarios

// flagGroups sorts the scenario flags into the sections of `occbench run
// -h`.
var flagGroups = map[string]string{
	"name": "scenario", "description": "scenario", "seed": "scenario", "trials": "scenario", "thresholds": "scenario",

	"writers": "workload", "keys": "workload", "distribution": "workload", "zipf_theta": "workload",
	"hot_fraction": "workload", "hot_ops": "workload", "payload_bytes": "workload", "field_groups": "workload", "field_group_names": "workload",
	"duration": "workload", "ops_per_writer": "workload", "warmup": "workload", "think": "workload", "rate": "workload",
	"hold": "workload",

	"strategies": "strategy", "on_conflict": "strategy", "scope": "strategy", "fencing": "strategy",
	"idempotency.duplicate_rate": "strategy", "idempotency.crash_rate": "strategy", "idempotency.mismatch_rate": "strategy",
	"idempotency.ttl": "strategy", "idempotency.stale_after": "strategy",
	"lease_ttl": "strategy", "lease_stall": "strategy", "lease_store": "strategy", "lease_dsn": "strategy",
	"hybrid_lock": "strategy", "escalate_after": "strategy", "escalate_window": "strategy", "deescalate_after": "strategy",

	"backoffs": "backoff", "backoff_base": "backoff", "backoff_cap": "backoff", "max_attempts": "backoff",
	"max_elapsed": "backoff", "budget": "backoff", "budget_retry_cost": "backoff", "budget_refund": "backoff",

	"error_backoff": "backoff", "op_timeout": "store", "audit": "store", "connect_timeout": "store", "faults": "faults", "persistence": "faults",

	"driver": "store", "dsn": "store", "image": "store", "params": "store", "latency": "store",
}

// FlagGroups lists the help sections in order.
func FlagGroups() []string {
	return []string{"workload", "strategy", "backoff", "store", "faults", "scenario"}
}
