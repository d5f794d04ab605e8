// Renders werf.yaml texts with Go's own text/template, as werf does (pkg/config/parser.go:
// renderWerfConfigYaml parses the file as one template and executes it), for
// test/werf/werf-yaml-go.test.ts. Standard library only, so that it builds offline.
//
// stdin: a JSON list of {"name", "text"}; stdout: a JSON list of {"name", "out"} or {"name", "error"}.
// werf's functions (sprig and its own) are stubbed with fixed results: what is compared is the text
// around the werf-mirror block, which no function produces.
package main

import (
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

type input struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type output struct {
	Name  string  `json:"name"`
	Out   *string `json:"out,omitempty"`
	Error string  `json:"error,omitempty"`
}

var funcs = template.FuncMap{
	"env": func(string) string { return "" },
	"default": func(d interface{}, v ...interface{}) interface{} {
		if len(v) == 0 || v[0] == nil || v[0] == "" {
			return d
		}
		return v[0]
	},
	"include":  func(string, ...interface{}) string { return "" },
	"tpl":      func(string, ...interface{}) string { return "" },
	"required": func(_ string, v interface{}) interface{} { return v },
	"toYaml":   func(interface{}) string { return "" },
	"fromYaml": func(string) map[string]interface{} { return map[string]interface{}{} },
	"quote":    func(v interface{}) string { b, _ := json.Marshal(v); return string(b) },
	"indent":   func(n int, s string) string { return strings.Repeat(" ", n) + s },
	"nindent":  func(n int, s string) string { return "\n" + strings.Repeat(" ", n) + s },
	"trim":     strings.TrimSpace,
}

func render(text string) (string, error) {
	tmpl, err := template.New("werfConfig").Funcs(funcs).Parse(text)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	data := map[string]interface{}{
		"Env":    "",
		"Values": map[string]interface{}{},
		"Commit": map[string]interface{}{"Hash": "0000000", "Date": map[string]string{"Human": "", "Unix": "0"}},
	}
	if err := tmpl.Execute(&out, data); err != nil {
		return "", err
	}
	return out.String(), nil
}

func main() {
	var inputs []input
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		os.Stderr.WriteString("bad input: " + err.Error() + "\n")
		os.Exit(2)
	}
	outputs := make([]output, 0, len(inputs))
	for _, in := range inputs {
		out, err := render(in.Text)
		if err != nil {
			outputs = append(outputs, output{Name: in.Name, Error: err.Error()})
		} else {
			outputs = append(outputs, output{Name: in.Name, Out: &out})
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(outputs); err != nil {
		os.Exit(1)
	}
}
