#!/usr/bin/env bash
# run.sh runs one multi-runner occbench run on the current kubectl
# context and namespace: the scenario ConfigMap and the results claim,
# the runners' Indexed Job, then, once every runner has completed, the
# merge-and-audit Job. It prints the merge's output and exits with its
# code (0 ok, 1 unexpected lost updates or no verdict, 2 parts that do
# not belong together, 3 a threshold failed).
#
#   kubectl create secret generic occbench-dsn --from-literal=dsn='postgres://…'
#   docker/k8s/run.sh [TIMEOUT]      # default 30m, for the runners
#
# Jobs are immutable: the previous run's Jobs are deleted first (the
# results claim and its files stay; every part is rewritten).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
timeout="${1:-30m}"

if ! kubectl get secret occbench-dsn >/dev/null 2>&1; then
	echo "run.sh: no Secret occbench-dsn: kubectl create secret generic occbench-dsn --from-literal=dsn='postgres://…'" >&2
	exit 2
fi
kubectl delete job occbench-runners occbench-merge --ignore-not-found --wait=true
kubectl apply -f "$here/scenario-configmap.yaml" -f "$here/results-pvc.yaml"
kubectl apply -f "$here/runners-job.yaml"

# Complete or failed, whichever comes first (kubectl wait takes one
# condition: wait for each in the background and take the first).
kubectl wait --for=condition=complete --timeout="$timeout" job/occbench-runners >/dev/null 2>&1 &
complete=$!
kubectl wait --for=condition=failed --timeout="$timeout" job/occbench-runners >/dev/null 2>&1 &
failed=$!
status=""
while [ -z "$status" ]; do
	if ! kill -0 "$complete" 2>/dev/null; then
		wait "$complete" && status=complete || status=timeout
		kill "$failed" 2>/dev/null || true
	elif ! kill -0 "$failed" 2>/dev/null; then
		wait "$failed" && status=failed || status=timeout
		kill "$complete" 2>/dev/null || true
	else
		sleep 2
	fi
done
if [ "$status" != complete ]; then
	echo "run.sh: job/occbench-runners $status; the runners' logs:" >&2
	kubectl logs --tail=20 --prefix -l app.kubernetes.io/component=runner >&2 || true
	exit 1
fi

kubectl apply -f "$here/merge-job.yaml"
kubectl wait --for=condition=complete --timeout=10m job/occbench-merge >/dev/null 2>&1 || true
kubectl logs job/occbench-merge
code="$(kubectl get pods -l job-name=occbench-merge -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}')"
exit "${code:-1}"
