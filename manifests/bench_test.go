package manifests

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

// BenchmarkParse measures Parse against a baseline in the same run: the bare
// YAML-to-JSON conversion Parse starts with.
func BenchmarkParse(b *testing.B) {
	for _, file := range []string{"testdata/valid.yaml", "testdata/valid.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(file[len("testdata/"):], func(b *testing.B) {
			for b.Loop() {
				if _, err := Parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	data, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-yaml-to-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := yaml.YAMLToJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
