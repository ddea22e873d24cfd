// Runs Go's own text/template with the functions StackQL registers for
// golang_template_json_v0.3.0 on cases read from stdin ([{"body", "input"}]) and writes
// [{"out", "err"}]: the reference the differential test compares with.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"text/template"
)

type tcase struct {
	Body  string `json:"body"`
	Input string `json:"input"`
}

type result struct {
	Out string `json:"out"`
	Err bool   `json:"err"`
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"toJson": func(v interface{}) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"kindOf": func(x interface{}) string { return reflect.ValueOf(x).Kind().String() },
		"separator": func(s string) func() string {
			i := -1
			return func() string {
				i++
				if i == 0 {
					return ""
				}
				return s
			}
		},
	}
}

func run(c tcase) result {
	tpl, err := template.New("t").Funcs(funcs()).Parse(c.Body)
	if err != nil {
		return result{Err: true}
	}
	var data interface{}
	if err := json.Unmarshal([]byte(c.Input), &data); err != nil || data == nil {
		return result{}
	}
	var out bytes.Buffer
	if err := tpl.Execute(&out, data); err != nil {
		return result{Err: true}
	}
	return result{Out: out.String()}
}

func main() {
	var cases []tcase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = run(c)
	}
	json.NewEncoder(os.Stdout).Encode(results)
}
