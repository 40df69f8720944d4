package deploy_test

import (
	"regexp"
	"strings"

	apiv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	barmanapi "github.com/cloudnative-pg/barman-cloud/pkg/api"
	barmanwebhooks "github.com/cloudnative-pg/barman-cloud/pkg/api/webhooks"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// CloudNativePG's resources are decoded strictly into the operator's own Go
// types (github.com/cloudnative-pg/api, the version in go.mod), which
// settles every field's name, place and type. What a Go type cannot say is
// checked here, for the fields the manifests use:
//   - the CRD's enumerations and bounds (the +kubebuilder:validation markers
//     on those types), with the operator's constants where it has them;
//   - the operator's own webhook checks of an object store and a retention
//     policy (github.com/cloudnative-pg/barman-cloud);
//   - the rules the hand-written JSON Schemas held before these types were
//     used: names and identifiers, a complete image reference, a recovery
//     time with an offset, object store URLs, only cpu and memory resources,
//     exactly one bootstrap method and the six-field backup schedule.

var (
	// How the portal's roles and its database are named: a PostgreSQL
	// identifier that needs no quoting.
	pgIdentifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	// An image named by registry, repository and tag (and perhaps digest).
	imageReference = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+(@sha256:[0-9a-f]{64})?$`)
	// The CRD's pattern for spec.backup.retentionPolicy.
	retentionPolicy = regexp.MustCompile(`^[1-9][0-9]*[dwm]$`)
	// A recovery target time with an explicit offset.
	recoveryTime    = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$`)
	objectStorePath = regexp.MustCompile(`^(s3|gs|https?)://`)
	objectStoreURL  = regexp.MustCompile(`^https?://`)
)

// oneOf reports a value outside the allowed ones; empty means left out.
func oneOf[T ~string](p *field.Path, v T, allowed ...T) field.ErrorList {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	valid := make([]string, len(allowed))
	for i, a := range allowed {
		valid[i] = string(a)
	}
	return field.ErrorList{field.NotSupported(p, v, valid)}
}

func identifier(p *field.Path, v string) field.ErrorList {
	if v != "" && (!pgIdentifier.MatchString(v) || len(v) > 63) {
		return field.ErrorList{field.Invalid(p, v, "not a PostgreSQL identifier of lower-case letters, digits and _ (at most 63)")}
	}
	return nil
}

func localRef(p *field.Path, r *apiv1.LocalObjectReference) field.ErrorList {
	if r != nil && r.Name == "" {
		return field.ErrorList{field.Required(p.Child("name"), "")}
	}
	return nil
}

func secretKey(p *field.Path, s *apiv1.SecretKeySelector) field.ErrorList {
	var errs field.ErrorList
	if s != nil && s.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	if s != nil && s.Key == "" {
		errs = append(errs, field.Required(p.Child("key"), ""))
	}
	return errs
}

func quantity(p *field.Path, v string, required bool) field.ErrorList {
	if v == "" {
		if required {
			return field.ErrorList{field.Required(p, "")}
		}
		return nil
	}
	if _, err := resource.ParseQuantity(v); err != nil {
		return field.ErrorList{field.Invalid(p, v, err.Error())}
	}
	return nil
}

// objectName: CloudNativePG names Services and Pods after a Cluster, so its
// resources' names are DNS labels.
func objectName(m metav1.ObjectMeta) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("metadata", "name")
	if m.Name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	for _, msg := range validation.IsDNS1123Label(m.Name) {
		errs = append(errs, field.Invalid(p, m.Name, msg))
	}
	return errs
}

func validateCluster(c *apiv1.Cluster) field.ErrorList {
	errs := objectName(c.ObjectMeta)
	spec := field.NewPath("spec")
	s := c.Spec
	if s.Instances < 1 {
		errs = append(errs, field.Invalid(spec.Child("instances"), s.Instances, "must be at least 1"))
	}
	if s.ImageName != "" && !imageReference.MatchString(s.ImageName) {
		errs = append(errs, field.Invalid(spec.Child("imageName"), s.ImageName, "want registry/repository:tag"))
	}
	errs = append(errs, oneOf(spec.Child("primaryUpdateStrategy"), s.PrimaryUpdateStrategy,
		apiv1.PrimaryUpdateStrategyUnsupervised, apiv1.PrimaryUpdateStrategySupervised)...)
	errs = append(errs, oneOf(spec.Child("primaryUpdateMethod"), s.PrimaryUpdateMethod,
		apiv1.PrimaryUpdateMethodSwitchover, apiv1.PrimaryUpdateMethodRestart)...)

	if b := s.Bootstrap; b != nil {
		p := spec.Child("bootstrap")
		n := 0
		if b.InitDB != nil {
			n++
			q := p.Child("initdb")
			errs = append(errs, identifier(q.Child("database"), b.InitDB.Database)...)
			errs = append(errs, identifier(q.Child("owner"), b.InitDB.Owner)...)
			errs = append(errs, localRef(q.Child("secret"), b.InitDB.Secret)...)
			errs = append(errs, oneOf(q.Child("localeProvider"), b.InitDB.LocaleProvider, "libc", "icu", "builtin")...)
		}
		if r := b.Recovery; r != nil {
			n++
			q := p.Child("recovery")
			errs = append(errs, identifier(q.Child("database"), r.Database)...)
			errs = append(errs, identifier(q.Child("owner"), r.Owner)...)
			errs = append(errs, localRef(q.Child("secret"), r.Secret)...)
			if r.Backup != nil && r.Backup.Name == "" {
				errs = append(errs, field.Required(q.Child("backup", "name"), ""))
			}
			if t := r.RecoveryTarget; t != nil {
				if *t == (apiv1.RecoveryTarget{}) {
					errs = append(errs, field.Required(q.Child("recoveryTarget"), "name a target, or leave recoveryTarget out"))
				}
				if t.TargetTime != "" && !recoveryTime.MatchString(t.TargetTime) {
					errs = append(errs, field.Invalid(q.Child("recoveryTarget", "targetTime"), t.TargetTime, "want a timestamp with an offset, e.g. 2026-11-27 09:15:00+01"))
				}
			}
		}
		if b.PgBaseBackup != nil {
			n++
		}
		if n != 1 {
			errs = append(errs, field.Invalid(p, n, "want exactly one bootstrap method"))
		}
	}

	if m := s.Managed; m != nil {
		for i, r := range m.Roles {
			p := spec.Child("managed", "roles").Index(i)
			if r.Name == "" {
				errs = append(errs, field.Required(p.Child("name"), ""))
			}
			errs = append(errs, identifier(p.Child("name"), r.Name)...)
			errs = append(errs, oneOf(p.Child("ensure"), r.Ensure, apiv1.EnsurePresent, apiv1.EnsureAbsent)...)
			if r.ConnectionLimit < -1 {
				errs = append(errs, field.Invalid(p.Child("connectionLimit"), r.ConnectionLimit, "must be -1 or more"))
			}
			errs = append(errs, localRef(p.Child("passwordSecret"), r.PasswordSecret)...)
		}
	}

	errs = append(errs, quantity(spec.Child("storage", "size"), s.StorageConfiguration.Size, true)...)
	if s.WalStorage != nil {
		errs = append(errs, quantity(spec.Child("walStorage", "size"), s.WalStorage.Size, true)...)
	}
	for what, list := range map[string]corev1.ResourceList{"requests": s.Resources.Requests, "limits": s.Resources.Limits} {
		for name := range list {
			if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
				errs = append(errs, field.NotSupported(spec.Child("resources", what).Key(string(name)), name, []string{"cpu", "memory"}))
			}
		}
	}
	errs = append(errs, oneOf(spec.Child("affinity", "podAntiAffinityType"), s.Affinity.PodAntiAffinityType,
		apiv1.PodAntiAffinityTypeRequired, apiv1.PodAntiAffinityTypePreferred)...)

	if b := s.Backup; b != nil {
		p := spec.Child("backup")
		if b.RetentionPolicy != "" && !retentionPolicy.MatchString(b.RetentionPolicy) {
			errs = append(errs, field.Invalid(p.Child("retentionPolicy"), b.RetentionPolicy, "want a number and d, w or m, e.g. 30d"))
		}
		errs = append(errs, barmanwebhooks.ValidateRetentionPolicy(b.RetentionPolicy, p.Child("retentionPolicy"))...)
		errs = append(errs, oneOf(p.Child("target"), b.Target, apiv1.BackupTargetPrimary, apiv1.BackupTargetStandby)...)
		errs = append(errs, objectStore(p.Child("barmanObjectStore"), b.BarmanObjectStore)...)
	}
	for i, ec := range s.ExternalClusters {
		p := spec.Child("externalClusters").Index(i)
		if ec.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		errs = append(errs, objectStore(p.Child("barmanObjectStore"), ec.BarmanObjectStore)...)
	}
	return errs
}

// objectStore checks a barmanObjectStore as the operator's webhook does
// (one kind of credentials, complete), with the CRD's enumerations.
func objectStore(p *field.Path, o *barmanapi.BarmanObjectStoreConfiguration) field.ErrorList {
	if o == nil {
		return nil
	}
	errs := barmanwebhooks.ValidateBackupConfiguration(o, p)
	if !objectStorePath.MatchString(o.DestinationPath) {
		errs = append(errs, field.Invalid(p.Child("destinationPath"), o.DestinationPath, "want s3://, gs:// or https:// and a bucket"))
	}
	if o.EndpointURL != "" && !objectStoreURL.MatchString(o.EndpointURL) {
		errs = append(errs, field.Invalid(p.Child("endpointURL"), o.EndpointURL, "want an http(s) URL"))
	}
	errs = append(errs, secretKey(p.Child("endpointCA"), o.EndpointCA)...)
	if s3 := o.AWS; s3 != nil {
		q := p.Child("s3Credentials")
		errs = append(errs, secretKey(q.Child("accessKeyId"), s3.AccessKeyIDReference)...)
		errs = append(errs, secretKey(q.Child("secretAccessKey"), s3.SecretAccessKeyReference)...)
		errs = append(errs, secretKey(q.Child("region"), s3.RegionReference)...)
		errs = append(errs, secretKey(q.Child("sessionToken"), s3.SessionToken)...)
	}
	encryptions := []barmanapi.EncryptionType{barmanapi.EncryptionTypeAES256, barmanapi.EncryptionTypeNoneAWSKMS}
	if w := o.Wal; w != nil {
		q := p.Child("wal")
		errs = append(errs, oneOf(q.Child("compression"), w.Compression,
			barmanapi.CompressionTypeBzip2, barmanapi.CompressionTypeGzip, barmanapi.CompressionTypeLz4,
			barmanapi.CompressionTypeSnappy, barmanapi.CompressionTypeXz, barmanapi.CompressionTypeZstd)...)
		errs = append(errs, oneOf(q.Child("encryption"), w.Encryption, encryptions...)...)
		if w.MaxParallel < 0 { // 0 is the default, as if left out
			errs = append(errs, field.Invalid(q.Child("maxParallel"), w.MaxParallel, "must be at least 1"))
		}
	}
	if d := o.Data; d != nil {
		q := p.Child("data")
		errs = append(errs, oneOf(q.Child("compression"), d.Compression,
			barmanapi.CompressionTypeBzip2, barmanapi.CompressionTypeGzip, barmanapi.CompressionTypeLz4,
			barmanapi.CompressionTypeSnappy)...)
		errs = append(errs, oneOf(q.Child("encryption"), d.Encryption, encryptions...)...)
		if d.Jobs != nil && *d.Jobs < 1 {
			errs = append(errs, field.Invalid(q.Child("jobs"), *d.Jobs, "must be at least 1"))
		}
	}
	return errs
}

func validateScheduledBackup(b *apiv1.ScheduledBackup) field.ErrorList {
	errs := objectName(b.ObjectMeta)
	spec := field.NewPath("spec")
	s := b.Spec
	// The operator's cron format starts with seconds: a five-field
	// schedule, as a Kubernetes CronJob has it, would mean something else.
	if f := strings.Fields(s.Schedule); len(f) != 6 || strings.Join(f, " ") != s.Schedule {
		errs = append(errs, field.Invalid(spec.Child("schedule"), s.Schedule, "want six fields, seconds first"))
	}
	if s.Cluster.Name == "" {
		errs = append(errs, field.Required(spec.Child("cluster", "name"), ""))
	}
	errs = append(errs, oneOf(spec.Child("backupOwnerReference"), s.BackupOwnerReference, "none", "self", "cluster")...)
	errs = append(errs, oneOf(spec.Child("method"), s.Method,
		apiv1.BackupMethodBarmanObjectStore, apiv1.BackupMethodVolumeSnapshot, apiv1.BackupMethodPlugin)...)
	errs = append(errs, oneOf(spec.Child("target"), s.Target, apiv1.BackupTargetPrimary, apiv1.BackupTargetStandby)...)
	return errs
}
