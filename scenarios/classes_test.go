package scenarios

import (
	"slices"
	"strings"
	"testing"
)

const twoClasses = `name: own
field_groups: 2
classes:
  - {name: editors, writers: 2, strategy: optimistic, backoff: expo, field_group: 0, think: 2s}
  - {name: workers, writers: 6, strategy: lease, backoff: full-jitter, field_group: 1}
`

func TestClassesParse(t *testing.T) {
	s, err := Parse("own.yaml", []byte(twoClasses))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(testAllowed); err != nil {
		t.Fatal(err)
	}
	if len(s.Classes) != 2 || s.Classes[0].Think.D().Seconds() != 2 || s.Classes[1].FieldGroup != 1 || s.Classes[1].Writers != 6 {
		t.Fatalf("classes %+v", s.Classes)
	}
	// The swept fields follow the classes.
	if !slices.Equal(s.Writers, []int{8}) || !slices.Equal(s.Strategies, []string{"optimistic", "lease"}) || !slices.Equal(s.Backoffs, []string{"expo", "full-jitter"}) {
		t.Errorf("writers %v, strategies %v, backoffs %v", s.Writers, s.Strategies, s.Backoffs)
	}
	if st, b := s.ClassLabels(); st != "optimistic+lease" || b != "expo+full-jitter" {
		t.Errorf("labels %q, %q", st, b)
	}
	// The classes survive a results file's scenario map.
	back, err := FromMap(s.ToMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Classes, s.Classes) {
		t.Errorf("round trip: %+v, want %+v", back.Classes, s.Classes)
	}
}

// TestClassesRefused: each bad classes block gives one line naming
// classes[i].field (or the field the classes replace) and what is
// allowed.
func TestClassesRefused(t *testing.T) {
	class := func(fields string) string {
		return "name: own\nfield_groups: 2\nclasses:\n  - {name: editors, writers: 2, strategy: optimistic, backoff: expo}\n  - {" + fields + "}\n"
	}
	for _, tt := range []struct {
		name, yaml, want string
		parse            bool // refused by Parse, not Validate
	}{
		{name: "with writers", yaml: "writers: [4]\n" + class("name: w, writers: 1, strategy: lease, backoff: none"), parse: true,
			want: "scenario own.yaml: writers: not with classes"},
		{name: "with strategies", yaml: "strategies: [lease]\n" + class("name: w, writers: 1, strategy: lease, backoff: none"), parse: true,
			want: "strategies: not with classes"},
		{name: "with backoffs", yaml: "backoffs: [none]\n" + class("name: w, writers: 1, strategy: lease, backoff: none"), parse: true,
			want: "backoffs: not with classes"},
		{name: "unknown class field", yaml: class("name: w, writers: 1, strategy: lease, backoff: none, owner: x"), parse: true,
			want: `scenario own.yaml: line 5: classes: unknown class field "owner" (allowed: name, writers, strategy, backoff, field_group, think, rate)`},
		{name: "bad strategy", yaml: class("name: w, writers: 1, strategy: hope, backoff: none"),
			want: `classes[1].strategy: unknown value "hope" (allowed: optimistic, pessimistic, lease, lww)`},
		{name: "idempotent class", yaml: class("name: w, writers: 1, strategy: idempotent, backoff: none"),
			want: `classes[1].strategy: idempotent runs alone, not in a class`},
		{name: "bad backoff", yaml: class("name: w, writers: 1, strategy: lease, backoff: soon"),
			want: `classes[1].backoff: unknown value "soon" (allowed: none, expo, full-jitter, decorrelated-jitter)`},
		{name: "no writers", yaml: class("name: w, strategy: lease, backoff: none"),
			want: "classes[1].writers: must be 1 … 10000, got 0"},
		{name: "field group out of range", yaml: class("name: w, writers: 1, strategy: lease, backoff: none, field_group: 2"),
			want: "classes[1].field_group: must be 0 … 1 (field_groups is 2), got 2"},
		{name: "negative field group", yaml: class("name: w, writers: 1, strategy: lease, backoff: none, field_group: -1"),
			want: "classes[1].field_group: must be 0 … 1"},
		{name: "duplicate name", yaml: class("name: editors, writers: 1, strategy: lease, backoff: none"),
			want: `classes[1].name: "editors" is also classes[0]'s name`},
		{name: "empty name", yaml: class("writers: 1, strategy: lease, backoff: none"),
			want: `classes[1].name: want 1 … 32 letters`},
		{name: "name with space", yaml: class("name: 'a b', writers: 1, strategy: lease, backoff: none"),
			want: `classes[1].name: want 1 … 32 letters`},
		{name: "negative think", yaml: class("name: w, writers: 1, strategy: lease, backoff: none, think: -1s"),
			want: "classes[1].think: must be 0 … 1h, got -1s"},
		{name: "think too long", yaml: class("name: w, writers: 1, strategy: lease, backoff: none, think: 2h"),
			want: "classes[1].think: must be 0 … 1h"},
		{name: "negative rate", yaml: class("name: w, writers: 1, strategy: lease, backoff: none, rate: -5"),
			want: "classes[1].rate: must be a finite number ≥ 0"},
		{name: "NaN rate", yaml: class("name: w, writers: 1, strategy: lease, backoff: none, rate: .nan"),
			want: "classes[1].rate: must be a finite number ≥ 0"},
		{name: "too many writers", yaml: class("name: w, writers: 9999, strategy: lease, backoff: none"),
			want: "classes: 10001 writers in all, more than 10000"},
		{name: "scenario think", yaml: "think: 1s\n" + class("name: w, writers: 1, strategy: lease, backoff: none"),
			want: "think (--think): not with classes"},
		{name: "scenario rate", yaml: "rate: 100\n" + class("name: w, writers: 1, strategy: lease, backoff: none"),
			want: "rate (--rate): not with classes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("own.yaml", []byte(tt.yaml))
			if tt.parse {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Parse: got %v, want an error containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = s.Validate(testAllowed)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error must be one line: %q", err)
			}
		})
	}
}

func TestClassSweepFields(t *testing.T) {
	got := ClassSweepFields()
	got[0] = "changed"
	if ClassSweepFields()[0] != "writers" {
		t.Errorf("ClassSweepFields shares its slice")
	}
	for _, f := range ClassSweepFields() {
		if FieldOf(f) != f {
			t.Errorf("%s is not a scenario field with a flag", f)
		}
	}
}

// TestClassGroupNames: with field_group_names, a class may name its
// field group; Validate resolves the name to its index.
func TestClassGroupNames(t *testing.T) {
	const named = "name: own\nfield_groups: 2\nfield_group_names: [content, assets]\nclasses:\n" +
		"  - {name: editors, writers: 2, strategy: optimistic, backoff: expo, field_group: content}\n" +
		"  - {name: workers, writers: 6, strategy: lease, backoff: none, field_group: assets}\n"
	s, err := Parse("own.yaml", []byte(named))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(testAllowed); err != nil {
		t.Fatal(err)
	}
	if s.Classes[0].FieldGroup != 0 || s.Classes[1].FieldGroup != 1 || s.Classes[1].FieldGroupName != "" || s.GroupName(1) != "assets" || s.GroupName(2) != "" {
		t.Fatalf("classes %+v", s.Classes)
	}
	back, err := FromMap(s.ToMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(testAllowed); err != nil || back.Classes[1].FieldGroup != 1 || !slices.Equal(back.FieldGroupNames, s.FieldGroupNames) {
		t.Errorf("round trip: %v, %+v", err, back)
	}

	for _, tt := range []struct {
		name, yaml, want string
		parse            bool
	}{
		{name: "unknown name", yaml: strings.Replace(named, "field_group: assets", "field_group: thumbnails", 1),
			want: `classes[1].field_group: unknown field group "thumbnails" (allowed: 0 … 1, or content, assets)`},
		{name: "name without names", yaml: strings.Replace(named, "field_group_names: [content, assets]\n", "", 1),
			want: `classes[0].field_group: unknown field group "content" (allowed: 0 … 1)`},
		{name: "too few names", yaml: strings.Replace(named, "[content, assets]", "[content]", 1),
			want: "field_group_names (--field-group-names): 1 names for 2 field groups"},
		{name: "name twice", yaml: strings.Replace(named, "[content, assets]", "[content, content]", 1),
			want: `field_group_names (--field-group-names): "content" listed twice`},
		{name: "bad name", yaml: strings.Replace(named, "[content, assets]", "[content, 'a b']", 1),
			want: `field_group_names (--field-group-names): want 1 … 32 letters`},
		{name: "list as group", yaml: strings.Replace(named, "field_group: assets", "field_group: [1]", 1), parse: true,
			want: "line 6: classes: field_group: want an index or a name of field_group_names"},
		{name: "class not a mapping", yaml: "classes: [3]\n", parse: true,
			want: "line 1: classes: want a class: a mapping of name, writers"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("own.yaml", []byte(tt.yaml))
			if !tt.parse {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				err = s.Validate(testAllowed)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line containing %q", err, tt.want)
			}
		})
	}
}
