package k8scheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/occbench/occbench/scenarios"
)

// manifestDir holds the manifests, relative to this package.
const manifestDir = "../../docker/k8s"

// indexVar is the variable an Indexed Job gives each pod, and the
// annotation the Job controller fills it from.
const (
	indexVar        = "JOB_COMPLETION_INDEX"
	indexAnnotation = "batch.kubernetes.io/job-completion-index"
)

// manifests is every object of a set of manifest files, decoded.
type manifests struct {
	raw        map[string][]byte // file name → content
	configMaps map[string]*corev1.ConfigMap
	claims     map[string]*corev1.PersistentVolumeClaim
	jobs       []*batchv1.Job
}

// readManifests reads every *.yaml file of dir.
func readManifests(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no *.yaml in %s", dir)
	}
	files := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = b
	}
	return files
}

// documentSep splits a YAML stream into documents.
var documentSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decodeManifests decodes every document of files strictly into its
// Kubernetes type: duplicate keys and unknown fields are errors, and so
// is a kind the manifests have no business holding (a Secret above all:
// its data would be a literal in the repository).
func decodeManifests(files map[string][]byte) (*manifests, error) {
	m := &manifests{raw: files, configMaps: map[string]*corev1.ConfigMap{}, claims: map[string]*corev1.PersistentVolumeClaim{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		for i, doc := range documentSep.Split(string(files[name]), -1) {
			js, err := yaml.YAMLToJSONStrict([]byte(doc))
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
			}
			if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
				continue // only comments
			}
			var tm metav1.TypeMeta
			if err := json.Unmarshal(js, &tm); err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
			}
			where := fmt.Sprintf("%s: %s %s", name, tm.APIVersion, tm.Kind)
			switch tm.APIVersion + " " + tm.Kind {
			case "v1 ConfigMap":
				var cm corev1.ConfigMap
				if err := strictJSON(js, &cm); err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				m.configMaps[cm.Name] = &cm
			case "v1 PersistentVolumeClaim":
				var pvc corev1.PersistentVolumeClaim
				if err := strictJSON(js, &pvc); err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				m.claims[pvc.Name] = &pvc
			case "batch/v1 Job":
				var job batchv1.Job
				if err := strictJSON(js, &job); err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				m.jobs = append(m.jobs, &job)
			case "v1 Secret":
				return nil, fmt.Errorf("%s: a Secret in the repository holds its value as a literal: create it with kubectl create secret instead", where)
			default:
				return nil, fmt.Errorf("%s: unexpected kind (allowed: v1 ConfigMap, v1 PersistentVolumeClaim, batch/v1 Job)", where)
			}
		}
	}
	return m, nil
}

// strictJSON decodes one JSON value into v, rejecting unknown fields and
// trailing data.
func strictJSON(js []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}

// flagValue returns the value of flag name (given without dashes) in
// args, as --name V, --name=V, -name V or -name=V, and whether it is set.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if len(a) == len(args[i]) {
			continue // not a flag
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// varRef matches a Kubernetes $(VAR) reference.
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// credentialDSN matches a URL with a password in it (user:password@).
var credentialDSN = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'"]+:[^@\s'"]+@`)

// jobRole finds the container running occbench in job and what it runs
// (its first argument: run or merge).
func jobRole(job *batchv1.Job) (*corev1.Container, string) {
	for i := range job.Spec.Template.Spec.Containers {
		c := &job.Spec.Template.Spec.Containers[i]
		if len(c.Args) > 0 && (c.Args[0] == "run" || c.Args[0] == "merge") {
			return c, c.Args[0]
		}
	}
	return nil, ""
}

// envVar returns the env entry name of c, or nil.
func envVar(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// volumeAt returns the volume of spec mounted by c at mountPath's
// directory or a parent of it, and the mount path.
func volumeAt(spec *corev1.PodSpec, c *corev1.Container, file string) (*corev1.Volume, string) {
	var best *corev1.VolumeMount
	for i := range c.VolumeMounts {
		vm := &c.VolumeMounts[i]
		if (file == vm.MountPath || strings.HasPrefix(file, strings.TrimSuffix(vm.MountPath, "/")+"/")) && (best == nil || len(vm.MountPath) > len(best.MountPath)) {
			best = vm
		}
	}
	if best == nil {
		return nil, ""
	}
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == best.Name {
			return &spec.Volumes[i], best.MountPath
		}
	}
	return nil, best.MountPath
}

// checkContract returns every way m breaks the multi-runner contract.
func checkContract(m *manifests) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	// No secret literal anywhere, comments included.
	for _, name := range slices.Sorted(maps.Keys(m.raw)) {
		if loc := credentialDSN.FindIndex(m.raw[name]); loc != nil {
			bad("%s: a DSN with a password (%q…): take it from the Secret (secretKeyRef)", name, m.raw[name][loc[0]:loc[0]+strings.Index(string(m.raw[name][loc[0]:]), ":")+3])
		}
	}

	var runners, mergers []*batchv1.Job
	for _, j := range m.jobs {
		switch _, role := jobRole(j); role {
		case "run":
			runners = append(runners, j)
		case "merge":
			mergers = append(mergers, j)
		default:
			bad("job %s: no container runs occbench run or occbench merge", j.Name)
		}
	}
	if len(runners) != 1 || len(mergers) != 1 {
		bad("want one runners Job (occbench run) and one merge Job (occbench merge), got %d and %d", len(runners), len(mergers))
		return errs
	}
	rj, mj := runners[0], mergers[0]
	rc, _ := jobRole(rj)
	mc, _ := jobRole(mj)
	rspec, mspec := &rj.Spec.Template.Spec, &mj.Spec.Template.Spec

	// Every container: no literal secret in env, every $(VAR) declared.
	for _, jc := range []struct {
		job *batchv1.Job
		c   *corev1.Container
	}{{rj, rc}, {mj, mc}} {
		for _, e := range jc.c.Env {
			up := strings.ToUpper(e.Name)
			if e.Value != "" && (strings.Contains(up, "PASSWORD") || strings.Contains(up, "SECRET") || strings.Contains(up, "TOKEN") || strings.Contains(up, "DSN")) {
				bad("job %s: env %s is a literal: take it from a Secret (secretKeyRef)", jc.job.Name, e.Name)
			}
		}
		for _, a := range slices.Concat(jc.c.Command, jc.c.Args) {
			for _, ref := range varRef.FindAllStringSubmatch(a, -1) {
				if envVar(jc.c, ref[1]) == nil {
					bad("job %s: args use $(%s) but env does not declare %s: Kubernetes leaves it unexpanded", jc.job.Name, ref[1], ref[1])
				}
			}
		}
		dsn, ok := flagValue(jc.c.Args, "dsn")
		if !ok {
			bad("job %s: no --dsn", jc.job.Name)
			continue
		}
		ref := varRef.FindStringSubmatch(dsn)
		if ref == nil || ref[0] != dsn {
			bad("job %s: --dsn %q: want $(VAR) with VAR from a Secret", jc.job.Name, dsn)
			continue
		}
		if e := envVar(jc.c, ref[1]); e != nil && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			bad("job %s: env %s (the DSN) does not come from a secretKeyRef", jc.job.Name, ref[1])
		}
	}
	if rd, md := secretRef(rc), secretRef(mc); rd != md {
		bad("the runners' DSN comes from Secret %s, the merge's from %s: both must audit the same store", rd, md)
	}

	// The runners' Job: Indexed, N at once, never retried.
	if rj.Spec.CompletionMode == nil || *rj.Spec.CompletionMode != batchv1.IndexedCompletion {
		bad("job %s: completionMode must be Indexed (it gives each pod %s)", rj.Name, indexVar)
	}
	runnersArg, ok := flagValue(rc.Args, "runners")
	n, err := strconv.Atoi(runnersArg)
	if !ok || err != nil || n < 1 {
		bad("job %s: --runners %q: want a count ≥ 1", rj.Name, runnersArg)
		return errs
	}
	if rj.Spec.Completions == nil || *rj.Spec.Completions != int32(n) {
		bad("job %s: completions %v must equal --runners %d", rj.Name, deref(rj.Spec.Completions), n)
	}
	if rj.Spec.Parallelism == nil || *rj.Spec.Parallelism != int32(n) {
		bad("job %s: parallelism %v must equal --runners %d: the runners meet at a barrier and must all run at once", rj.Name, deref(rj.Spec.Parallelism), n)
	}
	if rspec.RestartPolicy != corev1.RestartPolicyNever {
		bad("job %s: restartPolicy %q: want Never (a restarted runner cannot rejoin a run under way)", rj.Name, rspec.RestartPolicy)
	}
	if rj.Spec.BackoffLimit == nil || *rj.Spec.BackoffLimit != 0 {
		bad("job %s: backoffLimit %v: want 0 (a retried runner cannot rejoin a run under way)", rj.Name, deref(rj.Spec.BackoffLimit))
	}

	// The index reaches occbench: its default (the env Kubernetes sets)
	// or $(JOB_COMPLETION_INDEX), never a literal.
	if idx, ok := flagValue(rc.Args, "runner-index"); ok && idx != "$("+indexVar+")" {
		bad("job %s: --runner-index %q: every pod would run the same share; leave it out or pass $(%s)", rj.Name, idx, indexVar)
	}
	if e := envVar(rc, indexVar); e != nil {
		if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || !strings.Contains(e.ValueFrom.FieldRef.FieldPath, indexAnnotation) {
			bad("job %s: env %s must come from the fieldRef metadata.annotations['%s'], not a literal", rj.Name, indexVar, indexAnnotation)
		}
	}

	// Each runner writes its own part on the results volume; the merge
	// reads all N of them from the same volume.
	out, _ := flagValue(rc.Args, "out")
	if !strings.Contains(out, "$("+indexVar+")") {
		bad("job %s: --out %q must name $(%s): the runners would overwrite one another's part", rj.Name, out, indexVar)
	}
	want := make([]string, n)
	for i := range want {
		want[i] = strings.ReplaceAll(out, "$("+indexVar+")", strconv.Itoa(i))
	}
	var parts []string
	for _, a := range mc.Args[1:] {
		if !strings.HasPrefix(a, "-") && strings.HasSuffix(a, ".json") && a != flagOr(mc.Args, "o", "out") {
			parts = append(parts, a)
		}
	}
	if !slices.Equal(parts, want) {
		bad("job %s: merges %q, want the %d parts the runners write, %q", mj.Name, parts, n, want)
	}
	rv, _ := volumeAt(rspec, rc, out)
	mv, _ := volumeAt(mspec, mc, path.Clean(want[0]))
	mo, _ := volumeAt(mspec, mc, flagOr(mc.Args, "o", "out"))
	switch {
	case rv == nil || rv.PersistentVolumeClaim == nil:
		bad("job %s: --out %q is not on a persistentVolumeClaim volume", rj.Name, out)
	case mv == nil || mv.PersistentVolumeClaim == nil || mv.PersistentVolumeClaim.ClaimName != rv.PersistentVolumeClaim.ClaimName:
		bad("job %s: reads the parts from another volume than claim %s, where the runners write them", mj.Name, rv.PersistentVolumeClaim.ClaimName)
	case mo == nil || mo.PersistentVolumeClaim == nil:
		bad("job %s: -o %q is not on the results volume", mj.Name, flagOr(mc.Args, "o", "out"))
	default:
		claim := m.claims[rv.PersistentVolumeClaim.ClaimName]
		if claim == nil {
			bad("claim %s, the results volume, is not among the manifests", rv.PersistentVolumeClaim.ClaimName)
		} else if !slices.Contains(claim.Spec.AccessModes, corev1.ReadWriteMany) {
			bad("claim %s: accessModes %v: want ReadWriteMany (runners on different nodes write to it)", claim.Name, claim.Spec.AccessModes)
		}
	}

	// The same image, namespace and scenario.
	if rc.Image != mc.Image {
		bad("the runners run image %q, the merge %q: want the same", rc.Image, mc.Image)
	}
	rns, _ := flagValue(rc.Args, "namespace")
	mns, _ := flagValue(mc.Args, "namespace")
	if rns != mns {
		bad("--namespace: the runners use %q, the merge %q: the audit would read other tables", rns, mns)
	}
	if len(rc.Args) < 2 || strings.HasPrefix(rc.Args[1], "-") {
		bad("job %s: occbench run has no scenario argument", rj.Name)
		return errs
	}
	scen := rc.Args[1]
	sv, mount := volumeAt(rspec, rc, scen)
	if sv == nil || sv.ConfigMap == nil {
		bad("job %s: the scenario %s is not on a configMap volume", rj.Name, scen)
		return errs
	}
	cmName := sv.ConfigMap.Name
	if !slices.ContainsFunc(mspec.Volumes, func(v corev1.Volume) bool { return v.ConfigMap != nil && v.ConfigMap.Name == cmName }) {
		bad("job %s: does not mount the scenario ConfigMap %s the runners run", mj.Name, cmName)
	}
	cm := m.configMaps[cmName]
	if cm == nil {
		bad("ConfigMap %s, the scenario, is not among the manifests", cmName)
		return errs
	}
	key := strings.TrimPrefix(strings.TrimPrefix(scen, mount), "/")
	src, ok := cm.Data[key]
	if !ok {
		bad("ConfigMap %s has no key %q (the runners read %s)", cmName, key, scen)
		return errs
	}
	s, err := scenarios.Parse(cmName+"/"+key, []byte(src))
	if err != nil {
		bad("ConfigMap %s: %v", cmName, err)
	} else {
		driver := s.Driver
		if d, ok := flagValue(rc.Args, "driver"); ok {
			driver = d
		}
		if driver != "postgres" && driver != "redis" && driver != "mongo" {
			bad("ConfigMap %s: driver %q: the runners share one server (postgres, redis or mongo)", cmName, driver)
		}
		if d, _ := flagValue(mc.Args, "driver"); d != driver {
			bad("job %s: --driver %q, the runners run %q: the audit must read the store they wrote", mj.Name, d, driver)
		}
	}
	return errs
}

// secretRef names the Secret and key of c's --dsn, or "".
func secretRef(c *corev1.Container) string {
	dsn, _ := flagValue(c.Args, "dsn")
	ref := varRef.FindStringSubmatch(dsn)
	if ref == nil {
		return ""
	}
	if e := envVar(c, ref[1]); e != nil && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
		return e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
	}
	return ""
}

// flagOr is the value of the first of names set in args, or "".
func flagOr(args []string, names ...string) string {
	for _, n := range names {
		if v, ok := flagValue(args, n); ok {
			return v
		}
	}
	return ""
}

func deref(p *int32) any {
	if p == nil {
		return "(unset)"
	}
	return *p
}

func TestManifests(t *testing.T) {
	files := readManifests(t, manifestDir)
	m, err := decodeManifests(files)
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkContract(m); len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	if len(m.jobs) != 2 || len(m.configMaps) != 1 || len(m.claims) != 1 {
		t.Fatalf("decoded %d Jobs, %d ConfigMaps, %d claims; want 2, 1, 1", len(m.jobs), len(m.configMaps), len(m.claims))
	}
}

// TestManifestsBroken runs the checks on mutated copies of the manifests:
// each mutation must be caught, with a message saying what is wrong.
func TestManifestsBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, old, new string
		want                 string // in the error
	}{
		{"unknown field", "runners-job.yaml", "  completionMode: Indexed\n", "  completionMode: Indexed\n  completionMod: Indexed\n", `unknown field "completionMod"`},
		{"unknown field in the pod", "merge-job.yaml", "      restartPolicy: Never\n", "      restartPolicy: Never\n      restartPolicyy: Never\n", `unknown field "restartPolicyy"`},
		{"duplicate key", "runners-job.yaml", "  parallelism: 4\n", "  parallelism: 4\n  parallelism: 4\n", "already set"},
		{"wrong type", "runners-job.yaml", "  completions: 4\n", "  completions: four\n", "cannot unmarshal"},
		{"a Secret in the repository", "results-pvc.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim", "apiVersion: v1\nkind: Secret\nstringData: {dsn: x}\n---\napiVersion: v1\nkind: PersistentVolumeClaim", "a Secret in the repository"},
		{"unknown kind", "results-pvc.yaml", "kind: PersistentVolumeClaim", "kind: PersistentVolume", "unexpected kind"},
		{"not indexed", "runners-job.yaml", "completionMode: Indexed", "completionMode: NonIndexed", "completionMode must be Indexed"},
		{"completions differ", "runners-job.yaml", "  completions: 4\n", "  completions: 3\n", "completions 3 must equal --runners 4"},
		{"parallelism below N", "runners-job.yaml", "  parallelism: 4\n", "  parallelism: 2\n", "parallelism 2 must equal --runners 4"},
		{"runners differ", "runners-job.yaml", "- --runners\n            - \"4\"", "- --runners\n            - \"5\"", "must equal --runners 5"},
		{"runners missing", "runners-job.yaml", "            - --runners\n            - \"4\"\n", "", `--runners "": want a count`},
		{"retried runner", "runners-job.yaml", "      restartPolicy: Never", "      restartPolicy: OnFailure", "restartPolicy \"OnFailure\""},
		{"backoff", "runners-job.yaml", "  backoffLimit: 0", "  backoffLimit: 3", "backoffLimit 3"},
		{"literal runner index", "runners-job.yaml", "            - --quiet\n", "            - --quiet\n            - --runner-index\n            - \"0\"\n", `--runner-index "0"`},
		{"literal index env", "runners-job.yaml", "              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']", "              value: \"0\"", "must come from the fieldRef"},
		{"index env missing", "runners-job.yaml", "            - name: JOB_COMPLETION_INDEX\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']\n", "", "use $(JOB_COMPLETION_INDEX) but env does not declare"},
		{"one part for all", "runners-job.yaml", "/results/part-$(JOB_COMPLETION_INDEX).json", "/results/part.json", "must name $(JOB_COMPLETION_INDEX)"},
		{"merge misses a part", "merge-job.yaml", "            - /results/part-3.json\n", "", "want the 4 parts"},
		{"merge reads another volume", "merge-job.yaml", "mountPath: /results\n", "mountPath: /data\n", "reads the parts from another volume"},
		{"results not shared", "merge-job.yaml", "claimName: occbench-results", "claimName: other-results", "reads the parts from another volume"},
		{"results on emptyDir", "runners-job.yaml", "          persistentVolumeClaim:\n            claimName: occbench-results\n", "          emptyDir: {}\n", "not on a persistentVolumeClaim"},
		{"claim not RWX", "results-pvc.yaml", "accessModes: [ReadWriteMany]", "accessModes: [ReadWriteOnce]", "want ReadWriteMany"},
		{"other image", "merge-job.yaml", "image: occbench/occbench:dev", "image: occbench/occbench:old", "want the same"},
		{"other namespace", "merge-job.yaml", "            - --namespace\n            - k8s", "            - --namespace\n            - k9s", "--namespace: the runners use \"k8s\", the merge \"k9s\""},
		{"merge without the scenario", "merge-job.yaml", "            name: occbench-scenario", "            name: other-scenario", "does not mount the scenario ConfigMap occbench-scenario"},
		{"scenario ConfigMap missing", "scenario-configmap.yaml", "  name: occbench-scenario", "  name: renamed-scenario", "ConfigMap occbench-scenario, the scenario, is not among"},
		{"scenario key missing", "scenario-configmap.yaml", "  scenario.yaml: |", "  other.yaml: |", `has no key "scenario.yaml"`},
		{"scenario does not parse", "scenario-configmap.yaml", "    writers: [64]", "    writerz: [64]", `unknown field "writerz"`},
		{"scenario on embedded sqlite", "scenario-configmap.yaml", "    driver: postgres", "    driver: sqlite", "the runners share one server"},
		{"merge with another driver", "merge-job.yaml", "            - --driver\n            - postgres", "            - --driver\n            - redis", `--driver "redis", the runners run "postgres"`},
		{"runners override the driver", "runners-job.yaml", "            - --quiet\n", "            - --quiet\n            - --driver\n            - mongo\n", `the runners run "mongo"`},
		{"password in the DSN", "runners-job.yaml", "            - $(OCCBENCH_DSN)", "            - postgres://occbench:hunter2@db:5432/occbench", "a DSN with a password"},
		{"password in a comment", "merge-job.yaml", "# The merge", "# postgres://u:hunter2@db/x\n# The merge", "merge-job.yaml: a DSN with a password"},
		{"literal DSN env", "merge-job.yaml", "              valueFrom:\n                secretKeyRef:\n                  name: occbench-dsn\n                  key: dsn", "              value: postgres://db/occbench", "env OCCBENCH_DSN is a literal"},
		{"DSN from another Secret", "merge-job.yaml", "                  name: occbench-dsn", "                  name: other-dsn", "both must audit the same store"},
		{"DSN from a ConfigMap", "runners-job.yaml", "                secretKeyRef:\n                  name: occbench-dsn", "                configMapKeyRef:\n                  name: occbench-dsn", "does not come from a secretKeyRef"},
		{"no merge Job", "merge-job.yaml", "            - merge\n", "            - version\n", "no container runs occbench run or occbench merge"},
	}
	base := readManifests(t, manifestDir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := make(map[string][]byte, len(base))
			for k, v := range base {
				files[k] = v
			}
			src := string(files[tt.file])
			if !strings.Contains(src, tt.old) {
				t.Fatalf("%s does not contain %q: update the mutation", tt.file, tt.old)
			}
			files[tt.file] = []byte(strings.Replace(src, tt.old, tt.new, 1))
			var got error
			m, err := decodeManifests(files)
			if err != nil {
				got = err
			} else {
				got = errors.Join(checkContract(m)...)
			}
			if got == nil {
				t.Fatalf("mutation not caught")
			}
			if !strings.Contains(got.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", got, tt.want)
			}
		})
	}
}

func TestFlagValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		name   string
		want   string
		wantOK bool
	}{
		{[]string{"run", "--runners", "4"}, "runners", "4", true},
		{[]string{"run", "--runners=4"}, "runners", "4", true},
		{[]string{"run", "-runners", "4"}, "runners", "4", true},
		{[]string{"run", "--runners"}, "runners", "", false},
		{[]string{"run", "runners", "4"}, "runners", "", false},
		{[]string{"run", "--runner-index", "2"}, "runners", "", false},
		{[]string{"merge", "-o", "x.json"}, "o", "x.json", true},
	}
	for _, tt := range tests {
		got, ok := flagValue(tt.args, tt.name)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("flagValue(%q, %q) = %q, %v; want %q, %v", tt.args, tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}
