// Command reader decodes a file werf-mirror rendered the way its consumer does, strictly, and
// prints what it read as JSON (stdout); a file the consumer would refuse or misread is an error
// (stderr, exit 1). The types below are written from each consumer's own definitions (cited per
// type); the decoding libraries are the ones the consumers use, from Debian's golang-*-dev
// packages, built offline with GOPATH=/usr/share/gocode GO111MODULE=off.
//
//	reader buildkit-v1 FILE       BuildKit <= v0.27, buildx --buildkitd-config (go-toml v1)
//	reader buildkit-v2 FILE       BuildKit >= v0.28 (go-toml v2)
//	reader containerd-v1 FILE     containerd 1.6/1.7 hosts.toml (go-toml v1)
//	reader containerd-v2 FILE     containerd 2.x hosts.toml (go-toml v2 and its unstable parser)
//	reader registries-conf FILE   containers/image registries.conf v2 (BurntSushi toml)
//	reader k3s FILE               k3s/RKE2 registries.yaml (gopkg.in/yaml.v2)
//	reader kaniko FILE            kaniko executor flags, one per line (spf13/pflag)
package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	burntsushi "github.com/BurntSushi/toml"
	tomlv1 "github.com/pelletier/go-toml"
	tomlv2 "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
	"github.com/spf13/pflag"
	yaml "gopkg.in/yaml.v2"
)

func main() {
	if len(os.Args) != 3 {
		fail(errors.New("usage: reader KIND FILE"))
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail(err)
	}
	readers := map[string]func([]byte) (interface{}, error){
		"buildkit-v1":     buildkitV1,
		"buildkit-v2":     buildkitV2,
		"containerd-v1":   containerdV1,
		"containerd-v2":   containerdV2,
		"registries-conf": registriesConf,
		"k3s":             k3s,
		"kaniko":          kaniko,
	}
	read, ok := readers[os.Args[1]]
	if !ok {
		fail(fmt.Errorf("unknown reader %q", os.Args[1]))
	}
	out, err := read(data)
	if err != nil {
		fail(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// ---------------------------------------------------------------------------------------------
// BuildKit: buildkit util/resolver/config/config.go RegistryConfig, under
// cmd/buildkitd/config/config.go Config.Registries `toml:"registry"`.

type buildkitRegistryConfig struct {
	Mirrors      []string          `toml:"mirrors" json:"mirrors,omitempty"`
	PlainHTTP    *bool             `toml:"http" json:"http,omitempty"`
	Insecure     *bool             `toml:"insecure" json:"insecure,omitempty"`
	RootCAs      []string          `toml:"ca" json:"ca,omitempty"`
	KeyPairs     []buildkitKeyPair `toml:"keypair" json:"keypair,omitempty"`
	TLSConfigDir []string          `toml:"tlsconfigdir" json:"tlsconfigdir,omitempty"`
}

type buildkitKeyPair struct {
	Key         string `toml:"key" json:"key"`
	Certificate string `toml:"cert" json:"cert"`
}

type buildkitConfig struct {
	Registries map[string]buildkitRegistryConfig `toml:"registry" json:"registry"`
}

// BuildKit v0.27 cmd/buildkitd/config/load.go: toml.LoadReader, then tree.Unmarshal. The strict
// decode on top fails on a key BuildKit would silently ignore (a misspelt field).
func buildkitV1(data []byte) (interface{}, error) {
	tree, err := tomlv1.LoadBytes(data)
	if err != nil {
		return nil, fmt.Errorf("failed to parse config: %w", err)
	}
	var c buildkitConfig
	if err := tree.Unmarshal(&c); err != nil {
		return nil, fmt.Errorf("failed to parse config: %w", err)
	}
	var strict buildkitConfig
	if err := tomlv1.NewDecoder(bytes.NewReader(data)).Strict(true).Decode(&strict); err != nil {
		return nil, fmt.Errorf("strict: %w", err)
	}
	return c, nil
}

// BuildKit main cmd/buildkitd/config/load.go: toml.NewDecoder(r).Decode (go-toml v2).
func buildkitV2(data []byte) (interface{}, error) {
	var c buildkitConfig
	if err := tomlv2.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(&c); err != nil {
		return nil, fmt.Errorf("failed to parse config: %w", err)
	}
	return c, nil
}

// ---------------------------------------------------------------------------------------------
// containerd hosts.toml: remotes/docker/config/hosts.go hostFileConfig (v1.6/v1.7) and
// core/remotes/docker/config/hosts.go (v2).

type hostFileConfig struct {
	Capabilities []string               `toml:"capabilities"`
	CACert       interface{}            `toml:"ca"`
	Client       interface{}            `toml:"client"`
	SkipVerify   *bool                  `toml:"skip_verify"`
	Header       map[string]interface{} `toml:"header"`
	OverridePath bool                   `toml:"override_path"`
}

// HostFileConfig is exported because go-toml v1 ignores unexported embedded structs (the same
// remap containerd 1.7 does in parseHostsFile).
type HostFileConfig = hostFileConfig

type hostsFile struct {
	HostFileConfig
	Server      string                    `toml:"server"`
	HostConfigs map[string]hostFileConfig `toml:"host"`
}

type containerdHost struct {
	URL          string      `json:"url"`
	Capabilities []string    `json:"capabilities,omitempty"`
	CA           interface{} `json:"ca,omitempty"`
	SkipVerify   *bool       `json:"skip_verify,omitempty"`
	OverridePath bool        `json:"override_path,omitempty"`
}

type containerdRead struct {
	// Hosts in the order containerd tries them; `server` (the registry, or the last mirror) last.
	Hosts  []containerdHost `json:"hosts"`
	Server containerdHost   `json:"server"`
}

func hostOf(url string, c hostFileConfig) containerdHost {
	return containerdHost{URL: url, Capabilities: c.Capabilities, CA: c.CACert, SkipVerify: c.SkipVerify, OverridePath: c.OverridePath}
}

// containerd 1.6 parseHostsFile: toml.LoadBytes, the host keys sorted by line (getSortedHosts,
// which 1.6 fails with "invalid `host` tree" when there is no [host] table), tree.Unmarshal.
func containerdV1(data []byte) (interface{}, error) {
	tree, err := tomlv1.LoadBytes(data)
	if err != nil {
		return nil, fmt.Errorf("failed to parse TOML: %w", err)
	}
	iter, ok := tree.Get("host").(*tomlv1.Tree)
	if !ok {
		return nil, errors.New("invalid `host` tree")
	}
	order := append([]string{}, iter.Keys()...)
	sort.Slice(order, func(i, j int) bool {
		return iter.GetPath([]string{order[i]}).(*tomlv1.Tree).Position().Line < iter.GetPath([]string{order[j]}).(*tomlv1.Tree).Position().Line
	})
	var c hostsFile
	if err := tree.Unmarshal(&c); err != nil {
		return nil, err
	}
	var strict hostsFile
	if err := tomlv1.NewDecoder(bytes.NewReader(data)).Strict(true).Decode(&strict); err != nil {
		return nil, fmt.Errorf("strict: %w", err)
	}
	out := containerdRead{Hosts: []containerdHost{}, Server: hostOf(c.Server, c.HostFileConfig)}
	for _, h := range order {
		out.Hosts = append(out.Hosts, hostOf(h, c.HostConfigs[h]))
	}
	return out, nil
}

// containerd 2.x parseHostsFile: the order of [host."..."] table headers from go-toml v2's
// unstable parser (getSortedHosts: only table headers count), then toml.Unmarshal.
func containerdV2(data []byte) (interface{}, error) {
	var order []string
	p := unstable.Parser{}
	p.Reset(data)
	last := ""
	for p.NextExpression() {
		e := p.Expression()
		if e.Kind != unstable.Table {
			continue
		}
		var parts []string
		for it := e.Key(); it.Next(); {
			parts = append(parts, string(it.Node().Data))
		}
		if len(parts) < 2 || parts[0] != "host" || parts[1] == last {
			continue
		}
		last = parts[1]
		order = append(order, last)
	}
	if err := p.Error(); err != nil {
		return nil, err
	}
	var c hostsFile
	if err := tomlv2.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(&c); err != nil {
		return nil, err
	}
	out := containerdRead{Hosts: []containerdHost{}, Server: hostOf(c.Server, c.HostFileConfig)}
	for _, h := range order {
		out.Hosts = append(out.Hosts, hostOf(h, c.HostConfigs[h]))
	}
	if len(order) != len(c.HostConfigs) {
		return nil, fmt.Errorf("%d host entries, %d of them [host.\"...\"] tables: containerd 2.x reads mirrors only from such tables", len(c.HostConfigs), len(order))
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------
// registries.conf v2: containers/image pkg/sysregistriesv2/system_registries_v2.go
// V2RegistriesConf, Registry, Endpoint (and shortnames.go shortNameAliasConf).

type regconfEndpoint struct {
	Location       string `toml:"location,omitempty" json:"location"`
	Insecure       bool   `toml:"insecure,omitempty" json:"insecure,omitempty"`
	PullFromMirror string `toml:"pull-from-mirror,omitempty" json:"pull-from-mirror,omitempty"`
}

type regconfRegistry struct {
	Prefix string `toml:"prefix" json:"prefix"`
	regconfEndpoint
	Mirrors            []regconfEndpoint `toml:"mirror,omitempty" json:"mirror,omitempty"`
	Blocked            bool              `toml:"blocked,omitempty" json:"blocked,omitempty"`
	MirrorByDigestOnly bool              `toml:"mirror-by-digest-only,omitempty" json:"mirror-by-digest-only,omitempty"`
}

type regconf struct {
	Registries                  []regconfRegistry `toml:"registry" json:"registry"`
	UnqualifiedSearchRegistries []string          `toml:"unqualified-search-registries" json:"unqualified-search-registries,omitempty"`
	CredentialHelpers           []string          `toml:"credential-helpers" json:"credential-helpers,omitempty"`
	ShortNameMode               string            `toml:"short-name-mode" json:"short-name-mode,omitempty"`
	Aliases                     map[string]string `toml:"aliases" json:"aliases,omitempty"`
}

// containers/image decodes with toml.DecodeFile and ignores undecoded keys; here they fail.
func registriesConf(data []byte) (interface{}, error) {
	var c regconf
	md, err := burntsushi.Decode(string(data), &c)
	if err != nil {
		return nil, err
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("keys containers/image would ignore: %v", undecoded)
	}
	return c, nil
}

// ---------------------------------------------------------------------------------------------
// k3s/RKE2 registries.yaml: rancher/wharfie pkg/registries/types.go Registry, Mirror,
// RegistryConfig, AuthConfig, TLSConfig (k3s decodes it with yaml.Unmarshal, not strictly).

type wharfieMirror struct {
	Endpoints []string          `yaml:"endpoint" json:"endpoint"`
	Rewrites  map[string]string `yaml:"rewrite" json:"rewrite,omitempty"`
}

type wharfieAuth struct {
	Username      string `yaml:"username" json:"username,omitempty"`
	Password      string `yaml:"password" json:"password,omitempty"`
	Auth          string `yaml:"auth" json:"auth,omitempty"`
	IdentityToken string `yaml:"identity_token" json:"identity_token,omitempty"`
}

type wharfieTLS struct {
	CAFile             string `yaml:"ca_file" json:"ca_file,omitempty"`
	CertFile           string `yaml:"cert_file" json:"cert_file,omitempty"`
	KeyFile            string `yaml:"key_file" json:"key_file,omitempty"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify" json:"insecure_skip_verify,omitempty"`
	// Not wharfie's: how many PEM certificates ca_file holds (a bundle holds several).
	CACertificates int `yaml:"-" json:"ca_certificates,omitempty"`
}

type wharfieConfig struct {
	Auth *wharfieAuth `yaml:"auth" json:"auth,omitempty"`
	TLS  *wharfieTLS  `yaml:"tls" json:"tls,omitempty"`
}

type wharfieRegistry struct {
	Mirrors map[string]wharfieMirror `yaml:"mirrors" json:"mirrors"`
	Configs map[string]wharfieConfig `yaml:"configs" json:"configs"`
	Auths   map[string]wharfieAuth   `yaml:"auths" json:"auths,omitempty"`
}

func k3s(data []byte) (interface{}, error) {
	var r wharfieRegistry
	if err := yaml.UnmarshalStrict(data, &r); err != nil {
		return nil, err
	}
	for _, c := range r.Configs {
		if c.TLS != nil && c.TLS.CAFile != "" {
			n, err := countCertificates(c.TLS.CAFile)
			if err != nil {
				return nil, err
			}
			c.TLS.CACertificates = n
		}
	}
	return r, nil
}

// countCertificates reads a CA file as Go's x509.CertPool.AppendCertsFromPEM does (pem.Decode,
// skipping text between blocks) and counts its certificates.
func countCertificates(path string) (int, error) {
	rest, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return n, nil
		}
		if block.Type == "CERTIFICATE" {
			n++
		}
	}
}

// ---------------------------------------------------------------------------------------------
// kaniko: the flag types of pkg/config/args.go (multiArg, keyValueArg, multiKeyMultiValueArg)
// and the registry flags of cmd/executor/cmd/root.go, parsed by pflag as kaniko's cobra
// command does; then root.go's folding of --registry-mirror into --registry-map for
// index.docker.io and remote.go's parseRegistryMapping.

type multiArg []string

func (b *multiArg) String() string     { return strings.Join(*b, ",") }
func (b *multiArg) Set(v string) error { *b = append(*b, v); return nil }
func (b *multiArg) Type() string       { return "multi-arg type" }

type keyValueArg map[string]string

func (a *keyValueArg) String() string { return fmt.Sprint(map[string]string(*a)) }
func (a *keyValueArg) Set(v string) error {
	kv := strings.SplitN(v, "=", 2)
	if len(kv) < 2 {
		return fmt.Errorf("invalid argument value. expect key=value, got %s", v)
	}
	(*a)[kv[0]] = kv[1]
	return nil
}
func (a *keyValueArg) Type() string { return "key-value-arg type" }

type multiKeyMultiValueArg map[string][]string

func (c *multiKeyMultiValueArg) parseKV(v string) error {
	kv := strings.SplitN(v, "=", 2)
	if len(kv) < 2 {
		return fmt.Errorf("invalid argument value. expect key=value, got %s", v)
	}
	(*c)[kv[0]] = append((*c)[kv[0]], kv[1])
	return nil
}
func (c *multiKeyMultiValueArg) String() string { return fmt.Sprint(map[string][]string(*c)) }
func (c *multiKeyMultiValueArg) Set(v string) error {
	if v == "" {
		return nil
	}
	for _, kv := range strings.Split(v, ";") {
		if err := c.parseKV(kv); err != nil {
			return err
		}
	}
	return nil
}
func (c *multiKeyMultiValueArg) Type() string { return "key-multi-value-arg type" }

type kanikoMapping struct {
	Registry string `json:"registry"`
	Prefix   string `json:"prefix"`
}

type kanikoRead struct {
	RegistryMaps                map[string][]kanikoMapping `json:"registryMaps"`
	InsecureRegistries          []string                   `json:"insecureRegistries"`
	SkipTLSVerifyRegistries     []string                   `json:"skipTLSVerifyRegistries"`
	RegistriesCertificates      map[string]string          `json:"registriesCertificates"`
	CertificateCounts           map[string]int             `json:"certificateCounts"`
	SkipDefaultRegistryFallback bool                       `json:"skipDefaultRegistryFallback"`
}

func kaniko(data []byte) (interface{}, error) {
	var mirrors, insecure, skipTLS multiArg
	maps := multiKeyMultiValueArg{}
	certs := keyValueArg{}
	clientCerts := keyValueArg{}
	var skipFallback bool
	fs := pflag.NewFlagSet("executor", pflag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.VarP(&insecure, "insecure-registry", "", "")
	fs.VarP(&skipTLS, "skip-tls-verify-registry", "", "")
	fs.VarP(&certs, "registry-certificate", "", "")
	fs.VarP(&clientCerts, "registry-client-cert", "", "")
	fs.VarP(&maps, "registry-map", "", "")
	fs.VarP(&mirrors, "registry-mirror", "", "")
	fs.BoolVarP(&skipFallback, "skip-default-registry-fallback", "", false, "")
	var args []string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" {
			args = append(args, line)
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("not flags: %v", fs.Args())
	}
	for _, target := range mirrors {
		if err := maps.Set("index.docker.io=" + target); err != nil {
			return nil, err
		}
	}
	out := kanikoRead{RegistryMaps: map[string][]kanikoMapping{}, InsecureRegistries: insecure, SkipTLSVerifyRegistries: skipTLS, RegistriesCertificates: certs, CertificateCounts: map[string]int{}, SkipDefaultRegistryFallback: skipFallback}
	for from, targets := range maps {
		for _, t := range targets {
			reg, prefix, _ := strings.Cut(t, "/")
			if prefix != "" && !strings.HasSuffix(prefix, "/") {
				prefix += "/"
			}
			out.RegistryMaps[from] = append(out.RegistryMaps[from], kanikoMapping{Registry: reg, Prefix: prefix})
		}
	}
	for host, path := range certs {
		n, err := countCertificates(path)
		if err != nil {
			return nil, err
		}
		out.CertificateCounts[host] = n
	}
	if out.InsecureRegistries == nil {
		out.InsecureRegistries = []string{}
	}
	if out.SkipTLSVerifyRegistries == nil {
		out.SkipTLSVerifyRegistries = []string{}
	}
	return out, nil
}
