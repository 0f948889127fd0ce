// Package k8scheck validates occbench's Kubernetes manifests
// (docker/k8s/*.yaml) and the multi-runner compose file
// (docker/compose.multi.yaml), offline, in its tests.
//
// Every manifest is decoded strictly into the Kubernetes API types
// (k8s.io/api: YAML to JSON, then encoding/json with unknown fields
// rejected, duplicate keys rejected), and the multi-runner contract is
// checked across them:
//
//   - the runners' Job is Indexed, with completions == parallelism ==
//     its --runners value, restartPolicy Never;
//   - the completion index reaches occbench: --runner-index is absent
//     (occbench reads JOB_COMPLETION_INDEX, which an Indexed Job sets) or
//     is $(JOB_COMPLETION_INDEX); every $(VAR) in args is declared in the
//     container's env, so that Kubernetes expands it;
//   - each runner writes its own part file (--out names
//     $(JOB_COMPLETION_INDEX)), and the merge Job reads part 0..N-1, with
//     the same --namespace;
//   - both Jobs run the same image, mount the same scenario ConfigMap
//     (which exists and holds a scenario occbench parses) and the same
//     results claim (ReadWriteMany);
//   - no secret literal: no Secret object, no password in a DSN, every
//     DSN comes from a secretKeyRef.
//
// The tests also run each check on mutated copies of the manifests, so
// that a check that cannot fail is caught. The package has no non-test
// code: k8s.io/api is a test-only dependency.
package k8scheck
