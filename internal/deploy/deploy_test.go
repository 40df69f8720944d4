package deploy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"itportal/internal/config"
	"itportal/internal/portal"
)

const (
	manifestDir = "../../docs/deploy/kubernetes"
	dockerfile  = "../../Dockerfile"

	// The uid of the "nonroot" user in Google's distroless images, which the
	// Dockerfile's final stage runs as.
	distrolessNonrootUID = 65532

	// The portal's upload limit for attachments (internal/server adds
	// 64 KiB for the rest of the form to portal.MaxAttachment).
	uploadLimit = portal.MaxAttachment + 64<<10
)

// Secret settings: they belong in the Secret, never in the ConfigMap.
var secretVariables = []string{
	"ITPORTAL_DATABASE_URL",
	"ITPORTAL_MIGRATE_DATABASE_URL",
	"ITPORTAL_OIDC_CLIENT_SECRET",
	"ITPORTAL_SMTP_URL",
}

// typedKinds are decoded strictly into their API's own Go types: Kubernetes'
// for its kinds, CloudNativePG's (github.com/cloudnative-pg/api) for the
// operator's.
var typedKinds = map[string]func() any{
	"v1/Namespace":                  func() any { return new(corev1.Namespace) },
	"v1/ConfigMap":                  func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                     func() any { return new(corev1.Secret) },
	"v1/Service":                    func() any { return new(corev1.Service) },
	"apps/v1/Deployment":            func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":                  func() any { return new(batchv1.Job) },
	"networking.k8s.io/v1/Ingress":  func() any { return new(networkingv1.Ingress) },
	"policy/v1/PodDisruptionBudget": func() any { return new(policyv1.PodDisruptionBudget) },

	"postgresql.cnpg.io/v1/Cluster":         func() any { return new(apiv1.Cluster) },
	"postgresql.cnpg.io/v1/ScheduledBackup": func() any { return new(apiv1.ScheduledBackup) },
}

// validators check, after the decoding, what a kind's Go type cannot hold
// (cnpg_test.go).
var validators = map[string]func(any) field.ErrorList{
	"postgresql.cnpg.io/v1/Cluster":         func(v any) field.ErrorList { return validateCluster(v.(*apiv1.Cluster)) },
	"postgresql.cnpg.io/v1/ScheduledBackup": func(v any) field.ErrorList { return validateScheduledBackup(v.(*apiv1.ScheduledBackup)) },
}

// check decodes one document strictly into the Go type of its kind and
// validates it.
func check(o object) error {
	newObject := typedKinds[o.gvk]
	if newObject == nil {
		return fmt.Errorf("unknown apiVersion/kind %s: add it to typedKinds", o.gvk)
	}
	v := newObject()
	if err := decodeStrict(o.json, v); err != nil {
		return err
	}
	if validate := validators[o.gvk]; validate != nil {
		if errs := validate(v); len(errs) > 0 {
			return errs.ToAggregate()
		}
	}
	return nil
}

// object is one YAML document of a manifest file, as JSON.
type object struct {
	file  string // base name in manifestDir
	index int    // the document's place in its file, from 1
	json  []byte
	gvk   string // apiVersion/kind, e.g. apps/v1/Deployment
	kind  string
	name  string
	ns    string
}

func (o object) String() string {
	return fmt.Sprintf("%s (document %d, %s %q)", o.file, o.index, o.kind, o.name)
}

// kustomization is the part of kustomize's file format the directory uses;
// it is decoded strictly, so a new field must be added here first.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

type manifests struct {
	objects []object
	kust    kustomization
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// load reads every YAML document under manifestDir.
func load(t *testing.T) manifests {
	t.Helper()
	var m manifests
	b, err := os.ReadFile(filepath.Join(manifestDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSONStrict(b)
	if err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if err := decodeStrict(j, &m.kust); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}

	files, err := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		file := filepath.Base(path)
		if file == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		objects, errs := parseDocuments(file, b)
		for _, err := range errs {
			t.Error(err)
		}
		m.objects = append(m.objects, objects...)
	}
	if len(m.objects) < 10 {
		t.Fatalf("found only %d manifests under %s", len(m.objects), manifestDir)
	}
	return m
}

// parseDocuments splits a manifest file into its YAML documents.
func parseDocuments(file string, b []byte) ([]object, []error) {
	var objects []object
	var errs []error
	for i, doc := range docSeparator.Split(string(b), -1) {
		j, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s, document %d: %w", file, i+1, err))
			continue
		}
		if string(j) == "null" { // only comments
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(j, &head); err != nil {
			errs = append(errs, fmt.Errorf("%s, document %d: %w", file, i+1, err))
			continue
		}
		objects = append(objects, object{
			file: file, index: i + 1, json: j,
			gvk:  head.APIVersion + "/" + head.Kind,
			kind: head.Kind, name: head.Metadata.Name, ns: head.Metadata.Namespace,
		})
	}
	return objects, errs
}

// decodeStrict decodes JSON into v, failing on unknown and duplicate fields
// and matching field names case-sensitively, as the API server does.
func decodeStrict(data []byte, v any) error {
	strict, err := kjson.UnmarshalStrict(data, v, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// get decodes the one object of a kind and name; T must fit its kind.
func get[T any](t *testing.T, m manifests, kind, name string) *T {
	t.Helper()
	for _, o := range m.objects {
		if o.kind == kind && o.name == name {
			return decode[T](t, o)
		}
	}
	t.Fatalf("no %s named %q under %s", kind, name, manifestDir)
	return nil
}

// decode decodes an object strictly; T must fit its kind.
func decode[T any](t *testing.T, o object) *T {
	t.Helper()
	v := new(T)
	if err := decodeStrict(o.json, v); err != nil {
		t.Fatalf("%s: %v", o, err)
	}
	return v
}

// only returns the one object of a kind in the given file.
func only(t *testing.T, m manifests, file, kind string) object {
	t.Helper()
	var found []object
	for _, o := range m.objects {
		if o.file == file && o.kind == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s holds %d objects of kind %s, want 1", file, len(found), kind)
	}
	return found[0]
}

// TestManifestsDecodeStrictly decodes every document into the real API
// types, Kubernetes' and CloudNativePG's: a misspelt, misplaced or mistyped
// field fails here instead of being dropped silently by the API server.
func TestManifestsDecodeStrictly(t *testing.T) {
	t.Parallel()
	m := load(t)
	names := map[string]object{}
	for _, o := range m.objects {
		if err := check(o); err != nil {
			t.Errorf("%s: %v", o, err)
		}
		if o.name == "" {
			t.Errorf("%s: no metadata.name", o)
		}
		// kustomization.yaml sets the namespace; examples are applied with -n.
		if o.ns != "" {
			t.Errorf("%s: metadata.namespace is set; leave it to kustomization.yaml", o)
		}
		key := o.kind + "/" + o.name
		if prev, dup := names[key]; dup {
			t.Errorf("%s: %s is also defined in %s", o, key, prev)
		}
		names[key] = o
	}
}

// TestValidatorsRefuseUnknownFields proves that the strict decoding and the
// validators are not vacuous.
func TestValidatorsRefuseUnknownFields(t *testing.T) {
	t.Parallel()
	const store = `"destinationPath":"s3://b","s3Credentials":{"inheritFromIAMRole":true}`
	for _, tc := range []struct{ what, gvk, doc, want string }{
		{"a Deployment with spec.replica", "apps/v1/Deployment",
			`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replica":2}}`, `unknown field "spec.replica"`},
		{"a Deployment with spec.Replicas (wrong case)", "apps/v1/Deployment",
			`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"Replicas":2}}`, `unknown field "spec.Replicas"`},
		{"a Cluster with backup.barmanObjectStore.wall", "postgresql.cnpg.io/v1/Cluster",
			`{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"x"},
			"spec":{"instances":2,"storage":{"size":"1Gi"},"backup":{"retentionPolicy":"30d","barmanObjectStore":{` + store + `,"wall":{}}}}}`,
			`unknown field "spec.backup.barmanObjectStore.wall"`},
		{"a Cluster with instances as a string", "postgresql.cnpg.io/v1/Cluster",
			`{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"x"},"spec":{"instances":"2","storage":{"size":"1Gi"}}}`,
			`spec.instances`},
		{"a five-field schedule", "postgresql.cnpg.io/v1/ScheduledBackup",
			`{"apiVersion":"postgresql.cnpg.io/v1","kind":"ScheduledBackup","metadata":{"name":"x"},"spec":{"schedule":"30 0 * * *","cluster":{"name":"x"}}}`,
			`spec.schedule`},
	} {
		err := check(object{file: "test", gvk: tc.gvk, json: []byte(tc.doc)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one with %s", tc.what, err, tc.want)
		}
	}
	// The Cluster without its mistake passes: the failure is the mistake's.
	good := `{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"x"},
		"spec":{"instances":2,"storage":{"size":"1Gi"},"backup":{"retentionPolicy":"30d","barmanObjectStore":{` + store + `,"wal":{}}}}}`
	if err := check(object{file: "test", gvk: "postgresql.cnpg.io/v1/Cluster", json: []byte(good)}); err != nil {
		t.Errorf("a valid Cluster: %v", err)
	}
}

// checkFile runs a manifest file through the checks every manifest gets.
func checkFile(file string, b []byte) error {
	objects, errs := parseDocuments(file, b)
	for _, o := range objects {
		if err := check(o); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o, err))
		}
	}
	return errors.Join(errs...)
}

// TestBrokenManifestsFail feeds the real manifests, each with one mistake
// put in, through the checks: each must fail and name the field.
func TestBrokenManifestsFail(t *testing.T) {
	t.Parallel()
	const (
		db      = "database.yaml"
		restore = "restore-cluster.example.yaml"
	)
	for _, tc := range []struct{ what, file, old, new, want string }{
		{"misspelt field", db, "\n  instances: 2\n", "\n  instance: 2\n", `unknown field "spec.instance"`},
		{"wrong case", db, "\n  imageName: ", "\n  ImageName: ", `unknown field "spec.ImageName"`},
		{"misplaced field", db, "\n  enableSuperuserAccess: false\n\n  postgresql:\n", "\n  postgresql:\n    enableSuperuserAccess: false\n", `unknown field "spec.postgresql.enableSuperuserAccess"`},
		{"misspelt nested field", db, "\n        secretAccessKey:\n", "\n        secretAccesKey:\n", `unknown field "spec.backup.barmanObjectStore.s3Credentials.secretAccesKey"`},
		{"duplicate field", db, "\n  instances: 2\n", "\n  instances: 2\n  instances: 3\n", `"instances" already set`},
		{"string for a number", db, "\n  instances: 2\n", "\n  instances: two\n", `spec.instances`},
		{"number for a string", db, `max_connections: "100"`, `max_connections: 100`, `spec.postgresql.parameters`},
		{"string for a boolean", db, "\n  enableSuperuserAccess: false\n", "\n  enableSuperuserAccess: \"no\"\n", `spec.enableSuperuserAccess`},
		{"string for a number, nested", db, "maxParallel: 2", `maxParallel: "2"`, `spec.backup.barmanObjectStore.wal.maxParallel`},
		{"list for an object", db, "\n      secret:\n        name: itportal-db-owner\n", "\n      secret:\n        - name: itportal-db-owner\n", `spec.bootstrap.initdb.secret`},
		{"not a quantity", db, "size: 20Gi", "size: 20GB", `spec.storage.size`},
		{"not a resource quantity", db, "cpu: 250m", "cpu: a quarter", `quantities must match`},
		{"unsupported update strategy", db, "primaryUpdateStrategy: unsupervised", "primaryUpdateStrategy: automatic", `spec.primaryUpdateStrategy`},
		{"unsupported compression", db, "      data:\n        compression: gzip\n", "      data:\n        compression: zstd\n", `spec.backup.barmanObjectStore.data.compression`},
		{"retention policy", db, `retentionPolicy: "30d"`, `retentionPolicy: "30 days"`, `spec.backup.retentionPolicy`},
		{"half the S3 credentials", db, "\n        secretAccessKey:\n          name: itportal-db-backup\n          key: ACCESS_SECRET_KEY\n", "\n", `accessKeyId and secretAccessKey must be provided`},
		{"role name", db, "\n      - name: itportal_app\n", "\n      - name: itportal-app\n", `spec.managed.roles[1].name`},
		{"role ensure", db, "\n        ensure: present\n        comment: what", "\n        ensure: always\n        comment: what", `spec.managed.roles[0].ensure`},
		{"five-field schedule", db, `schedule: "0 30 0 * * *"`, `schedule: "30 0 * * *"`, `spec.schedule`},
		{"backup method", db, "method: barmanObjectStore", "method: barman", `spec.method`},
		{"backup owner", db, "backupOwnerReference: self", "backupOwnerReference: me", `spec.backupOwnerReference`},
		{"target time", restore, `targetTime: "2026-11-27 09:15:00+01"`, `targetTime: "yesterday"`, `spec.bootstrap.recovery.recoveryTarget.targetTime`},
		{"two bootstrap methods", restore, "\n  bootstrap:\n", "\n  bootstrap:\n    initdb:\n      database: itportal\n", `spec.bootstrap`},
		{"external cluster's object store", restore, "serverName: itportal-db", "serverNme: itportal-db", `unknown field "spec.externalClusters[0].barmanObjectStore.serverNme"`},
		{"Deployment: misspelt field", "deployment.yaml", "\n  replicas: 2\n", "\n  replica: 2\n", `unknown field "spec.replica"`},
		{"Deployment: string for a number", "deployment.yaml", "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 45s", `spec.template.spec.terminationGracePeriodSeconds`},
		{"PodDisruptionBudget: misspelt field", "pdb.yaml", "minAvailable:", "minAvailabe:", `unknown field "spec.minAvailabe"`},
	} {
		t.Run(tc.what, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(manifestDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), tc.old); n != 1 {
				t.Fatalf("%s holds %q %d times, want once: update the test to the manifest", tc.file, tc.old, n)
			}
			if err := checkFile(tc.file, b); err != nil {
				t.Fatalf("%s itself fails: %v", tc.file, err)
			}
			err = checkFile(tc.file, []byte(strings.Replace(string(b), tc.old, tc.new, 1)))
			if err == nil {
				t.Fatalf("%s with %q passed", tc.file, tc.new)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s with %q: %v; want an error about %s", tc.file, tc.new, err, tc.want)
			}
		})
	}
}

// TestKustomizationListsEveryManifest: kubectl apply -k applies exactly the
// listed files; everything else must be an *.example.yaml, and no Secret is
// ever applied from this directory.
func TestKustomizationListsEveryManifest(t *testing.T) {
	t.Parallel()
	m := load(t)
	if m.kust.APIVersion != "kustomize.config.k8s.io/v1beta1" || m.kust.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml: apiVersion/kind %s/%s", m.kust.APIVersion, m.kust.Kind)
	}
	listed := map[string]bool{}
	for _, r := range m.kust.Resources {
		if _, err := os.Stat(filepath.Join(manifestDir, r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
		if strings.HasSuffix(r, ".example.yaml") {
			t.Errorf("kustomization.yaml lists the example %s", r)
		}
		listed[r] = true
	}
	files, _ := filepath.Glob(filepath.Join(manifestDir, "*"))
	for _, f := range files {
		base := filepath.Base(f)
		if base == "kustomization.yaml" || strings.HasSuffix(base, ".example.yaml") || listed[base] {
			continue
		}
		t.Errorf("%s is neither listed in kustomization.yaml nor named *.example.yaml", base)
	}
	for _, o := range m.objects {
		if listed[o.file] && o.kind == "Secret" {
			t.Errorf("%s: a Secret among the applied resources; ship it as an example only", o)
		}
	}
	ns := get[corev1.Namespace](t, m, "Namespace", m.kust.Namespace)
	if ns.Labels["pod-security.kubernetes.io/enforce"] == "" {
		t.Errorf("Namespace %s enforces no Pod Security Standard", ns.Name)
	}
}

// dockerImage is what the Dockerfile tells about the image it builds.
type dockerImage struct {
	tag     string // from the docker build example in its header
	uid     int64
	port    int // EXPOSE
	listen  string
	command []string // ENTRYPOINT + CMD
}

func readDockerfile(t *testing.T) dockerImage {
	t.Helper()
	b, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	var d dockerImage
	src := string(b)
	if m := regexp.MustCompile(`docker build .* -t (\S+) \.`).FindStringSubmatch(src); m != nil {
		d.tag = m[1]
	}
	var from, user string
	for line := range strings.SplitSeq(src, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "FROM":
			from = f[1]
		case "USER":
			user = f[1]
		case "EXPOSE":
			d.port, _ = strconv.Atoi(f[1])
		case "ENV":
			for _, kv := range f[1:] {
				if v, ok := strings.CutPrefix(kv, "ITPORTAL_LISTEN="); ok {
					d.listen = v
				}
			}
		case "ENTRYPOINT", "CMD":
			var args []string
			if err := json.Unmarshal([]byte(strings.TrimSpace(strings.TrimPrefix(line, f[0]))), &args); err != nil {
				t.Fatalf("Dockerfile: %s is not in exec form: %v", f[0], err)
			}
			d.command = append(d.command, args...)
		}
	}
	if !strings.Contains(from, "distroless") || !strings.HasSuffix(from, ":nonroot") || !strings.HasPrefix(user, "nonroot") {
		t.Fatalf("Dockerfile: final stage %q with USER %q; the manifests assume distroless :nonroot (uid %d)", from, user, distrolessNonrootUID)
	}
	d.uid = distrolessNonrootUID
	if d.tag == "" || d.port == 0 || d.listen == "" || len(d.command) == 0 {
		t.Fatalf("Dockerfile: could not read the tag, EXPOSE, ITPORTAL_LISTEN or ENTRYPOINT/CMD: %+v", d)
	}
	return d
}

// serveConfig returns the ConfigMap and the Secret a container takes its
// environment from (the Secret from secret.example.yaml).
func serveConfig(t *testing.T, m manifests, c corev1.Container) (cm *corev1.ConfigMap, sec *corev1.Secret) {
	t.Helper()
	for _, e := range c.EnvFrom {
		switch {
		case e.ConfigMapRef != nil:
			cm = get[corev1.ConfigMap](t, m, "ConfigMap", e.ConfigMapRef.Name)
		case e.SecretRef != nil:
			sec = get[corev1.Secret](t, m, "Secret", e.SecretRef.Name)
		}
		if e.Prefix != "" {
			t.Errorf("container %s: envFrom with prefix %q", c.Name, e.Prefix)
		}
	}
	if cm == nil || sec == nil {
		t.Fatalf("container %s takes its environment from no ConfigMap or no Secret", c.Name)
	}
	return cm, sec
}

// envSources names the ConfigMaps and Secrets a container's envFrom reads.
func envSources(c corev1.Container) []string {
	var out []string
	for _, e := range c.EnvFrom {
		switch {
		case e.ConfigMapRef != nil:
			out = append(out, "ConfigMap/"+e.ConfigMapRef.Name)
		case e.SecretRef != nil:
			out = append(out, "Secret/"+e.SecretRef.Name)
		}
	}
	return out
}

// podConfig loads the portal's configuration as its pods see it.
func podConfig(t *testing.T, m manifests, c corev1.Container) config.Config {
	t.Helper()
	cm, sec := serveConfig(t, m, c)
	env := secretValues(sec)
	for k, v := range cm.Data {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, config.ModeServe)
	if err != nil {
		t.Fatalf("the manifests' configuration does not load for serve: %v", err)
	}
	return cfg
}

func secretValues(s *corev1.Secret) map[string]string {
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	for k, v := range s.StringData {
		out[k] = v
	}
	return out
}

func portalContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "itportal" {
			return c
		}
	}
	t.Fatalf("Deployment %s has no container named itportal", d.Name)
	return corev1.Container{}
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

func listenPort(t *testing.T, name, addr string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	n, err2 := strconv.Atoi(p)
	if err != nil || err2 != nil {
		t.Fatalf("%s=%q is not host:port", name, addr)
	}
	return int32(n)
}

// TestConfigurationVariables: the pod's environment names only variables
// config.Load reads, has every one of them in exactly one place (secret ones
// in the Secret), and loads for `itportal serve`.
func TestConfigurationVariables(t *testing.T) {
	t.Parallel()
	m := load(t)
	d := get[appsv1.Deployment](t, m, "Deployment", "itportal")
	c := portalContainer(t, d)
	cm, sec := serveConfig(t, m, c)
	known := map[string]config.Variable{}
	for _, v := range config.Variables {
		known[v.Name] = v
	}
	env := map[string]string{}
	where := map[string]string{}
	add := func(source string, vals map[string]string) {
		for k, v := range vals {
			if _, ok := known[k]; !ok {
				t.Errorf("%s sets %s, which is no configuration variable (config.Variables)", source, k)
			}
			if prev, dup := where[k]; dup {
				t.Errorf("%s is set in both %s and %s", k, prev, source)
			}
			env[k], where[k] = v, source
		}
	}
	add("ConfigMap "+cm.Name, cm.Data)
	add("Secret "+sec.Name, secretValues(sec))
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "ITPORTAL_") {
			t.Errorf("container env sets %s directly; put it in the ConfigMap or the Secret", e.Name)
		}
	}
	for _, v := range config.Variables {
		if _, ok := where[v.Name]; !ok {
			t.Errorf("%s is in neither ConfigMap %s nor Secret %s: add it (empty for the default) to docs/deploy/kubernetes", v.Name, cm.Name, sec.Name)
		}
		if strings.Contains(v.Default, "required for serve") && env[v.Name] == "" {
			t.Errorf("%s is required for serve but empty", v.Name)
		}
	}
	for _, name := range secretVariables {
		if _, ok := cm.Data[name]; ok {
			t.Errorf("%s is secret but set in ConfigMap %s", name, cm.Name)
		}
	}

	cfg := podConfig(t, m, c)
	for name, want := range map[string]string{
		"ITPORTAL_LOG_FORMAT":      "json",
		"ITPORTAL_METRICS_LISTEN":  ":9090",
		"ITPORTAL_BASE_URL":        "https://itportalen.lillaedet.se",
		"ITPORTAL_OIDC_USER_CLAIM": "oid",
	} {
		if env[name] != want {
			t.Errorf("%s=%q, want %q", name, env[name], want)
		}
	}
	if p := listenPort(t, "ITPORTAL_LISTEN", cfg.Listen); p != containerPort(c, "http") {
		t.Errorf("ITPORTAL_LISTEN port %d is not the container port http (%d)", p, containerPort(c, "http"))
	}
	if p := listenPort(t, "ITPORTAL_METRICS_LISTEN", cfg.MetricsListen); p != containerPort(c, "metrics") {
		t.Errorf("ITPORTAL_METRICS_LISTEN port %d is not the container port metrics (%d)", p, containerPort(c, "metrics"))
	}
	gp := d.Spec.Template.Spec.TerminationGracePeriodSeconds
	if gp == nil {
		t.Fatal("Deployment itportal: no terminationGracePeriodSeconds")
	}
	if grace := time.Duration(*gp) * time.Second; grace <= cfg.ShutdownDrain+cfg.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds (%s) must exceed ITPORTAL_SHUTDOWN_DRAIN + ITPORTAL_SHUTDOWN_TIMEOUT (%s)", grace, cfg.ShutdownDrain+cfg.ShutdownTimeout)
	}
}

// checkPod asserts the security rules every pod of the portal follows.
func checkPod(t *testing.T, what string, spec corev1.PodSpec, uid int64) {
	t.Helper()
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("%s: pod securityContext.runAsNonRoot is not true", what)
	}
	if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != uid {
		t.Errorf("%s: pod securityContext.runAsUser is not %d (the Dockerfile's nonroot user)", what, uid)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod seccompProfile is not RuntimeDefault", what)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken is not false", what)
	}
	if spec.EnableServiceLinks == nil || *spec.EnableServiceLinks {
		t.Errorf("%s: enableServiceLinks is not false (Service variables such as ITPORTAL_PORT would mix with the configuration)", what)
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Errorf("%s: shares a host namespace", what)
	}
	emptyDirs := map[string]bool{}
	for _, v := range spec.Volumes {
		if v.EmptyDir != nil {
			emptyDirs[v.Name] = true
		}
		if v.HostPath != nil {
			t.Errorf("%s: hostPath volume %s", what, v.Name)
		}
	}
	for _, c := range spec.Containers {
		what := what + ", container " + c.Name
		sc := c.SecurityContext
		switch {
		case sc == nil:
			t.Errorf("%s: no securityContext", what)
			continue
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("%s: allowPrivilegeEscalation is not false", what)
		case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Errorf("%s: readOnlyRootFilesystem is not true", what)
		case sc.Privileged != nil && *sc.Privileged:
			t.Errorf("%s: privileged", what)
		case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0:
			t.Errorf("%s: capabilities do not drop ALL (and add none)", what)
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, okReq := c.Resources.Requests[res]
			lim, okLim := c.Resources.Limits[res]
			if !okReq || !okLim {
				t.Errorf("%s: no %s request and limit", what, res)
			} else if req.Cmp(lim) > 0 {
				t.Errorf("%s: %s request %s above the limit %s", what, res, req.String(), lim.String())
			}
		}
		tmp := false
		for _, vm := range c.VolumeMounts {
			if vm.MountPath == "/tmp" && emptyDirs[vm.Name] && !vm.ReadOnly {
				tmp = true
			}
		}
		if !tmp {
			t.Errorf("%s: no writable emptyDir mounted at /tmp (the root file system is read-only)", what)
		}
		if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "TMPDIR" && e.Value == "/tmp" }) {
			t.Errorf("%s: TMPDIR is not /tmp", what)
		}
	}
}

func selects(sel map[string]string, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestDeployment asserts the rules of the portal's Deployment.
func TestDeployment(t *testing.T) {
	t.Parallel()
	m := load(t)
	img := readDockerfile(t)
	d := get[appsv1.Deployment](t, m, "Deployment", "itportal")
	spec := d.Spec.Template.Spec
	c := portalContainer(t, d)

	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas: want 2")
	}
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil ||
		ru.MaxUnavailable == nil || ru.MaxUnavailable.String() != "0" || ru.MaxSurge == nil || ru.MaxSurge.String() != "1" {
		t.Errorf("strategy: want RollingUpdate with maxUnavailable 0 and maxSurge 1")
	}
	if d.Spec.Selector == nil || !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("the selector does not select the pod template's labels")
	}
	checkPod(t, "Deployment itportal", spec, img.uid)

	if c.Image != img.tag {
		t.Errorf("image %q: want %q, the Dockerfile's tag (kustomization.yaml sets registry and version)", c.Image, img.tag)
	}
	if len(c.Command) != 0 || !slices.Equal(c.Args, img.command[1:]) {
		t.Errorf("command %q args %q: want the image's entrypoint with args %q", c.Command, c.Args, img.command[1:])
	}
	if p := containerPort(c, "http"); int(p) != img.port || listenPort(t, "Dockerfile ITPORTAL_LISTEN", img.listen) != p {
		t.Errorf("container port http is %d; the Dockerfile exposes %d and listens on %s", p, img.port, img.listen)
	}
	if containerPort(c, "metrics") != 9090 {
		t.Errorf("no container port named metrics on 9090")
	}

	probe := func(name string, p *corev1.Probe, path string) {
		t.Helper()
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want GET %s", name, path)
			return
		}
		if p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe: GET %s on port %s, want %s on http", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("startup", c.StartupProbe, "/healthz")
	if s := c.StartupProbe; s != nil && time.Duration(s.PeriodSeconds*s.FailureThreshold)*time.Second < time.Minute {
		t.Errorf("the startup probe allows %ds; give the process at least a minute", s.PeriodSeconds*s.FailureThreshold)
	}

	spread := false
	for _, tsc := range spec.TopologySpreadConstraints {
		if tsc.TopologyKey == "kubernetes.io/hostname" && tsc.LabelSelector != nil && selects(tsc.LabelSelector.MatchLabels, d.Spec.Template.Labels) {
			spread = true
		}
	}
	if a := spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, term := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if term.PodAffinityTerm.TopologyKey == "kubernetes.io/hostname" {
				spread = true
			}
		}
		for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			if term.TopologyKey == "kubernetes.io/hostname" {
				spread = true
			}
		}
	}
	if !spread {
		t.Errorf("no topology spread or pod anti-affinity across kubernetes.io/hostname")
	}
}

// TestImage: the image the manifests run is the one the Dockerfile builds,
// pinned to a release tag.
func TestImage(t *testing.T) {
	t.Parallel()
	m := load(t)
	img := readDockerfile(t)
	var want string
	for _, i := range m.kust.Images {
		if i.Name != img.tag {
			continue
		}
		if i.NewTag == "" || i.NewTag == "latest" || i.NewTag == "dev" {
			t.Errorf("kustomization.yaml: image %s has tag %q; name a release", i.Name, i.NewTag)
		}
		if path.Base(i.NewName) != img.tag {
			t.Errorf("kustomization.yaml: image %s is renamed to %q, not a repository named %s", i.Name, i.NewName, img.tag)
		}
		want = i.NewName + ":" + i.NewTag
	}
	if want == "" {
		t.Fatalf("kustomization.yaml sets no registry and tag for image %s", img.tag)
	}
	job := get[batchv1.Job](t, m, "Job", "itportal-migrate")
	for _, c := range job.Spec.Template.Spec.Containers {
		if c.Image != want {
			t.Errorf("Job %s runs %s; want %s, the image kustomization.yaml deploys", job.Name, c.Image, want)
		}
	}
}

// TestMigrateJob: the example Job runs `itportal migrate up` with the same
// configuration and security as the Deployment, and is no web pod.
func TestMigrateJob(t *testing.T) {
	t.Parallel()
	m := load(t)
	img := readDockerfile(t)
	job := get[batchv1.Job](t, m, "Job", "itportal-migrate")
	d := get[appsv1.Deployment](t, m, "Deployment", "itportal")
	svc := get[corev1.Service](t, m, "Service", "itportal")
	checkPod(t, "Job "+job.Name, job.Spec.Template.Spec, img.uid)
	if len(job.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("Job %s: want one container", job.Name)
	}
	c := job.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args, []string{"migrate", "up"}) || c.Command != nil {
		t.Errorf("Job %s runs %q %q; want args [migrate up]", job.Name, c.Command, c.Args)
	}
	if !slices.Equal(envSources(c), envSources(portalContainer(t, d))) {
		t.Errorf("Job %s: envFrom differs from the Deployment's", job.Name)
	}
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("Job %s: restartPolicy %s, want Never", job.Name, job.Spec.Template.Spec.RestartPolicy)
	}
	if selects(svc.Spec.Selector, job.Spec.Template.Labels) {
		t.Errorf("Job %s's pod would be selected by Service %s", job.Name, svc.Name)
	}
}

// TestServiceAndIngress: the Service exposes only the web port, and the
// Ingress serves the base URL's host over TLS with room for uploads.
func TestServiceAndIngress(t *testing.T) {
	t.Parallel()
	m := load(t)
	d := get[appsv1.Deployment](t, m, "Deployment", "itportal")
	c := portalContainer(t, d)
	cm, _ := serveConfig(t, m, c)
	svc := get[corev1.Service](t, m, "Service", "itportal")

	if svc.Spec.Type != "" && svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("Service %s: type %s, want ClusterIP", svc.Name, svc.Spec.Type)
	}
	if !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("Service %s does not select the Deployment's pods", svc.Name)
	}
	metricsPort := containerPort(c, "metrics")
	if len(svc.Spec.Ports) != 1 {
		t.Errorf("Service %s: %d ports, want only http", svc.Name, len(svc.Spec.Ports))
	}
	for _, p := range svc.Spec.Ports {
		tp := p.TargetPort.String()
		if p.Port == metricsPort || tp == "metrics" || tp == strconv.Itoa(int(metricsPort)) {
			t.Errorf("Service %s exposes the metrics port (%s)", svc.Name, p.Name)
		}
		if p.Name != "http" || p.Port != 80 || (tp != "http" && tp != strconv.Itoa(int(containerPort(c, "http")))) {
			t.Errorf("Service %s: port %s %d → %s, want http 80 → http", svc.Name, p.Name, p.Port, tp)
		}
	}

	ing := get[networkingv1.Ingress](t, m, "Ingress", "itportal")
	base, err := url.Parse(cm.Data["ITPORTAL_BASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("Ingress %s: ingressClassName is not nginx", ing.Name)
	}
	tls := false
	for _, tl := range ing.Spec.TLS {
		if slices.Contains(tl.Hosts, base.Host) && tl.SecretName != "" {
			tls = true
		}
	}
	if !tls {
		t.Errorf("Ingress %s: no TLS for %s", ing.Name, base.Host)
	}
	if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != base.Host || ing.Spec.Rules[0].HTTP == nil {
		t.Fatalf("Ingress %s: want one rule for host %s", ing.Name, base.Host)
	}
	for _, p := range ing.Spec.Rules[0].HTTP.Paths {
		b := p.Backend.Service
		if p.Path != "/" || b == nil || b.Name != svc.Name || (b.Port.Name != "http" && b.Port.Number != 80) {
			t.Errorf("Ingress %s: path %s does not send / to Service %s port http", ing.Name, p.Path, svc.Name)
		}
	}
	ann := ing.Annotations
	if size := nginxSize(t, ann["nginx.ingress.kubernetes.io/proxy-body-size"]); size < uploadLimit {
		t.Errorf("Ingress %s: proxy-body-size %q is below the portal's upload limit (%d bytes)", ing.Name, ann["nginx.ingress.kubernetes.io/proxy-body-size"], uploadLimit)
	}
	cfg := podConfig(t, m, c)
	read, err := strconv.Atoi(ann["nginx.ingress.kubernetes.io/proxy-read-timeout"])
	if err != nil || time.Duration(read)*time.Second <= cfg.RequestTimeout {
		t.Errorf("Ingress %s: proxy-read-timeout %q must be above ITPORTAL_REQUEST_TIMEOUT (%s)", ing.Name, ann["nginx.ingress.kubernetes.io/proxy-read-timeout"], cfg.RequestTimeout)
	}
}

// nginxSize parses an nginx size such as 21m.
func nginxSize(t *testing.T, s string) int {
	t.Helper()
	mult := 1
	switch {
	case strings.HasSuffix(strings.ToLower(s), "k"):
		mult = 1 << 10
	case strings.HasSuffix(strings.ToLower(s), "m"):
		mult = 1 << 20
	case strings.HasSuffix(strings.ToLower(s), "g"):
		mult = 1 << 30
	}
	n, err := strconv.Atoi(strings.TrimRight(s, "kKmMgG"))
	if err != nil {
		t.Errorf("%q is not an nginx size", s)
		return 0
	}
	return n * mult
}

// TestPodDisruptionBudget keeps one pod serving through voluntary disruptions.
func TestPodDisruptionBudget(t *testing.T) {
	t.Parallel()
	m := load(t)
	d := get[appsv1.Deployment](t, m, "Deployment", "itportal")
	pdb := get[policyv1.PodDisruptionBudget](t, m, "PodDisruptionBudget", "itportal")
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.String() != "1" || pdb.Spec.MaxUnavailable != nil {
		t.Errorf("PodDisruptionBudget %s: want minAvailable 1 (and no maxUnavailable)", pdb.Name)
	}
	if pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("PodDisruptionBudget %s does not select the Deployment's pods", pdb.Name)
	}
}

// TestDatabase: the CloudNativePG cluster has the three roles of
// docs/operations.md, backs up with WAL archiving for 30 days, and the
// portal's database URLs point at it as the right roles.
func TestDatabase(t *testing.T) {
	t.Parallel()
	m := load(t)
	cl := decode[apiv1.Cluster](t, only(t, m, "database.yaml", "Cluster"))
	sb := decode[apiv1.ScheduledBackup](t, only(t, m, "database.yaml", "ScheduledBackup"))
	s := cl.Spec
	name := cl.Name

	if s.Instances != 2 {
		t.Errorf("Cluster %s: %d instances, want 2", name, s.Instances)
	}
	if !strings.Contains(s.ImageName, "/postgresql:15.") {
		t.Errorf("Cluster %s: image %s is not PostgreSQL 15", name, s.ImageName)
	}
	var initdb *apiv1.BootstrapInitDB
	if s.Bootstrap != nil {
		initdb = s.Bootstrap.InitDB
	}
	if initdb == nil || initdb.Database != "itportal" || initdb.Owner != "itportal_owner" || initdb.Secret == nil || initdb.Secret.Name == "" {
		t.Fatalf("Cluster %s: bootstrap.initdb must create database itportal owned by itportal_owner with a password Secret", name)
	}
	if s.Managed == nil {
		t.Fatalf("Cluster %s: no managed roles", name)
	}
	roles := map[string]int{}
	for i, r := range s.Managed.Roles {
		roles[r.Name] = i
	}
	app, ok := roles["itportal_app"]
	if !ok {
		t.Fatalf("Cluster %s: no managed role itportal_app", name)
	}
	if r := s.Managed.Roles[app]; !r.Login || !slices.Equal(r.InRoles, []string{"itportal_runtime"}) || r.PasswordSecret == nil {
		t.Errorf("Cluster %s: itportal_app must log in with a password Secret and be a member of itportal_runtime only", name)
	}
	if i, ok := roles["itportal_runtime"]; !ok || s.Managed.Roles[i].Login {
		t.Errorf("Cluster %s: itportal_runtime must be a managed NOLOGIN role", name)
	}
	if s.Backup == nil || s.Backup.RetentionPolicy != "30d" || s.Backup.BarmanObjectStore == nil {
		t.Fatalf("Cluster %s: want backup.barmanObjectStore with retentionPolicy 30d", name)
	}
	store := s.Backup.BarmanObjectStore
	if sb.Spec.Cluster.Name != name || sb.Spec.Method != apiv1.BackupMethodBarmanObjectStore {
		t.Errorf("the ScheduledBackup backs up %q by %q, want %s by barmanObjectStore", sb.Spec.Cluster.Name, sb.Spec.Method, name)
	}

	// The example Secrets fit the Cluster.
	secret := func(n string) map[string]string {
		return secretValues(get[corev1.Secret](t, m, "Secret", n))
	}
	owner := secret(initdb.Secret.Name)
	if owner["username"] != "itportal_owner" || owner["password"] == "" {
		t.Errorf("Secret %s: want username itportal_owner and a password", initdb.Secret.Name)
	}
	appSecret := secret(s.Managed.Roles[app].PasswordSecret.Name)
	if appSecret["username"] != "itportal_app" || appSecret["password"] == "" {
		t.Errorf("Secret %s: want username itportal_app and a password", s.Managed.Roles[app].PasswordSecret.Name)
	}
	if s3 := store.AWS; s3 == nil || s3.AccessKeyIDReference == nil || s3.SecretAccessKeyReference == nil {
		t.Errorf("Cluster %s: want s3Credentials with accessKeyId and secretAccessKey", name)
	} else if secret(s3.AccessKeyIDReference.Name)[s3.AccessKeyIDReference.Key] == "" || secret(s3.SecretAccessKeyReference.Name)[s3.SecretAccessKeyReference.Key] == "" {
		t.Errorf("the backup credentials Secret lacks the keys the Cluster names")
	}

	// The portal's URLs: the right roles, the primary's Service, TLS
	// verified against the cluster's CA as the Deployment mounts it.
	d := get[appsv1.Deployment](t, m, "Deployment", "itportal")
	c := portalContainer(t, d)
	_, env := serveConfig(t, m, c)
	caMounts := map[string]bool{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == name+"-ca" {
			for _, vm := range c.VolumeMounts {
				if vm.Name == v.Name {
					caMounts[vm.MountPath] = true
				}
			}
		}
	}
	for variable, role := range map[string]map[string]string{
		"ITPORTAL_DATABASE_URL":         appSecret,
		"ITPORTAL_MIGRATE_DATABASE_URL": owner,
	} {
		u, err := url.Parse(secretValues(env)[variable])
		if err != nil {
			t.Errorf("%s: %v", variable, err)
			continue
		}
		pw, _ := u.User.Password()
		if u.User.Username() != role["username"] || pw != role["password"] {
			t.Errorf("%s: user %s, want %s with the password of its Secret", variable, u.User.Username(), role["username"])
		}
		if u.Hostname() != name+"-rw" || u.Path != "/itportal" {
			t.Errorf("%s: %s%s, want the primary's Service %s-rw and database itportal", variable, u.Hostname(), u.Path, name)
		}
		q := u.Query()
		if q.Get("sslmode") != "verify-full" || !caMounts[filepath.Dir(q.Get("sslrootcert"))] {
			t.Errorf("%s: want sslmode=verify-full with sslrootcert in the mounted Secret %s-ca", variable, name)
		}
	}

	// The point-in-time recovery example reads this cluster's archive and
	// writes its own beside it.
	rc := decode[apiv1.Cluster](t, only(t, m, "restore-cluster.example.yaml", "Cluster"))
	var rec *apiv1.BootstrapRecovery
	if rc.Spec.Bootstrap != nil {
		rec = rc.Spec.Bootstrap.Recovery
	}
	if rec == nil || rec.RecoveryTarget == nil || rec.RecoveryTarget.TargetTime == "" {
		t.Fatalf("restore-cluster.example.yaml: want bootstrap.recovery with recoveryTarget.targetTime")
	}
	found := false
	for _, ec := range rc.Spec.ExternalClusters {
		if ec.Name != rec.Source || ec.BarmanObjectStore == nil {
			continue
		}
		found = true
		if ec.BarmanObjectStore.DestinationPath != store.DestinationPath || ec.BarmanObjectStore.ServerName != name {
			t.Errorf("restore-cluster.example.yaml: source %s reads %s (server %q), want %s (server %s)",
				ec.Name, ec.BarmanObjectStore.DestinationPath, ec.BarmanObjectStore.ServerName, store.DestinationPath, name)
		}
	}
	if !found {
		t.Errorf("restore-cluster.example.yaml: recovery source %q is no externalCluster with an object store", rec.Source)
	}
	if rc.Name == name {
		t.Errorf("restore-cluster.example.yaml restores into %s itself; use a new cluster", name)
	}
	if b := rc.Spec.Backup; b != nil && b.BarmanObjectStore != nil && b.BarmanObjectStore.ServerName == name {
		t.Errorf("restore-cluster.example.yaml would archive over %s's backups", name)
	}
}
