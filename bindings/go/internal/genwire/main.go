// Command genwire writes wire_gen.go, the Go structs of the JSON documents
// the library hands to Go, from schema/cosign-keys.schema.json (the core's
// cosign_keys::wire::schema). Run through `go generate`; run-tests.sh fails
// if the committed wire_gen.go differs from a fresh generation.
//
// Every document of the schema's x-documents (except those in skipDocuments)
// and every type they refer to becomes a Go struct, named as in the schema
// (or as goNames says). The type rules:
//
//   - Timestamp is time.Time; the types of handWritten are referred to by
//     their Go name (they have methods or custom decoding).
//   - string, boolean are string, bool; integer formats uint32 and uint64
//     are uint32 and uint64, int32 and int64 int32 and int64, smaller or
//     machine-sized ones (uint8, uint16, uint, int) int.
//   - A string enum without a hand-written type is a string (its values are
//     listed in the field's comment).
//   - Arrays are slices of their items' type.
//   - An optional field (nullable, or absent from required) keeps its type
//     when the type's zero value can stand for "absent": strings, numbers,
//     booleans, slices and time.Time. A nullable struct (generated or
//     hand-written) or Fingerprint is a pointer, nil when absent. A field
//     that is optional only through a default (not nullable) keeps its type.
//   - Optional fields get `omitempty` where it has an effect (not on
//     time.Time or other structs).
//   - Field names are the snake_case names in CamelCase with Go initialisms
//     (key_id: KeyID), except as fieldNames says.
//   - Required fields come first in the schema's required order (the Rust
//     declaration order), then the optional ones alphabetically.
//   - A struct listed in embeds embeds another generated struct whose fields
//     it repeats (checked: same schemas, same required-ness).
//
// Doc comments are the first paragraph of the schema's descriptions (the
// Rust doc comments); `None` there is the Go zero value, or nil.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// skipDocuments are documents of x-documents with a hand-written decoder.
var skipDocuments = map[string]bool{
	"ErrorDocument": true, // errors.go decodes it into *Error
}

// goNames are the Go names of schema types whose names differ.
var goNames = map[string]string{
	"RotationPolicy": "Policy",
}

// handWritten are schema types with a hand-written Go type.
var handWritten = map[string]string{
	"Timestamp":   "time.Time",
	"Fingerprint": "Fingerprint", // [32]byte, text (un)marshalling
	"Algorithm":   "Algorithm",   // the C ABI's numbering, text (un)marshalling
	"KeyState":    "KeyState",    // named string with constants
	"KeyLocation": "KeyLocation", // oneOf with a number or string version
	"AuditHead":   "AuditHead",   // String, ParseAuditHead
}

// embeds lists the generated structs that embed another one.
var embeds = map[string]string{
	"KeyStatus":      "KeyRecord",
	"SignedArtifact": "SigningEvent",
	"ResignEntry":    "SigningEvent",
}

// fieldNames are Go field names that differ from the rule ("Type.field").
var fieldNames = map[string]string{
	"BackupSummary.shares": "ShareCount", // Shares is BackupOptions' input
}

// extraOmitempty are required fields Go callers leave empty on the way in.
var extraOmitempty = map[string]bool{
	"Actor.host": true, // filled in by the library
}

// initialisms are written in capitals in Go names.
var initialisms = []string{"ID", "URI", "URL", "PEM", "KMS", "JSON", "HTTP", "API", "TLS", "IP", "CA"}

// node is the part of a JSON Schema the generator reads.
type node struct {
	Ref         string           `json:"$ref"`
	Type        any              `json:"type"`
	Format      string           `json:"format"`
	Description string           `json:"description"`
	Properties  map[string]*node `json:"properties"`
	Required    []string         `json:"required"`
	Items       *node            `json:"items"`
	AnyOf       []*node          `json:"anyOf"`
	OneOf       []*node          `json:"oneOf"`
	Enum        []any            `json:"enum"`
	Const       any              `json:"const"`
	Default     any              `json:"default"`
}

type document struct {
	Defs      map[string]*node `json:"$defs"`
	Documents []string         `json:"x-documents"`
}

// types returns the type's JSON Schema types, without "null", and whether
// null is allowed.
func (n *node) types() ([]string, bool) {
	var out []string
	null := false
	switch t := n.Type.(type) {
	case string:
		out = []string{t}
	case []any:
		for _, v := range t {
			if s, _ := v.(string); s == "null" {
				null = true
			} else if s != "" {
				out = append(out, s)
			}
		}
	}
	if t, ok := n.Type.(string); ok && t == "null" {
		return nil, true
	}
	return out, null
}

type generator struct {
	defs   map[string]*node
	queue  []string
	seen   map[string]bool
	usesTm bool
}

func goName(schemaName string) string {
	if n, ok := goNames[schemaName]; ok {
		return n
	}
	return schemaName
}

func fieldName(typeName, prop string) string {
	if n, ok := fieldNames[typeName+"."+prop]; ok {
		return n
	}
	var b strings.Builder
	for _, part := range strings.Split(prop, "_") {
		if part == "" {
			continue
		}
		if up := strings.ToUpper(part); slices.Contains(initialisms, up) {
			b.WriteString(up)
		} else {
			r, size := utf8.DecodeRuneInString(part)
			b.WriteRune(unicode.ToUpper(r))
			b.WriteString(part[size:])
		}
	}
	return b.String()
}

func refName(ref string) string {
	const prefix = "#/$defs/"
	if !strings.HasPrefix(ref, prefix) {
		log.Fatalf("unsupported $ref %q", ref)
	}
	return strings.TrimPrefix(ref, prefix)
}

// enumValues are the values of a string enum (enum, or oneOf of const), or
// nil.
func enumValues(n *node) []string {
	var out []string
	for _, v := range n.Enum {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	for _, alt := range n.OneOf {
		s, ok := alt.Const.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// want queues a schema type to generate.
func (g *generator) want(name string) {
	if !g.seen[name] {
		g.seen[name] = true
		g.queue = append(g.queue, name)
	}
}

// goType is the Go type of a schema, whether null is allowed, whether its
// zero value can stand for "absent", and the enum values of a string enum.
func (g *generator) goType(n *node) (typ string, nullable, zeroOK bool, enum []string) {
	if n.Ref != "" {
		name := refName(n.Ref)
		def, ok := g.defs[name]
		if !ok {
			log.Fatalf("$ref to a missing definition %q", name)
		}
		if t, ok := handWritten[name]; ok {
			if t == "time.Time" {
				g.usesTm = true
				return t, false, true, nil
			}
			return t, false, false, enumValues(def)
		}
		if vals := enumValues(def); vals != nil {
			return "string", false, true, vals
		}
		if ts, _ := def.types(); len(ts) == 1 && ts[0] == "object" && def.Properties != nil {
			g.want(name)
			return goName(name), false, false, nil
		}
		log.Fatalf("definition %q is neither an object, a string enum nor hand-written", name)
	}
	if len(n.AnyOf) > 0 {
		var real []*node
		null := false
		for _, alt := range n.AnyOf {
			if ts, isNull := alt.types(); isNull && len(ts) == 0 && alt.Ref == "" {
				null = true
			} else {
				real = append(real, alt)
			}
		}
		if len(real) != 1 {
			log.Fatalf("unsupported anyOf (only [X, null]): %+v", n.AnyOf)
		}
		t, _, zeroOK, enum := g.goType(real[0])
		return t, null, zeroOK, enum
	}
	if vals := enumValues(n); vals != nil {
		return "string", false, true, vals
	}
	ts, null := n.types()
	if len(ts) != 1 {
		log.Fatalf("unsupported type %v", n.Type)
	}
	switch ts[0] {
	case "string":
		return "string", null, true, nil
	case "boolean":
		return "bool", null, true, nil
	case "integer":
		switch n.Format {
		case "uint32", "uint64", "int32", "int64":
			return n.Format, null, true, nil
		default:
			return "int", null, true, nil
		}
	case "number":
		return "float64", null, true, nil
	case "array":
		if n.Items == nil {
			log.Fatal("array without items")
		}
		t, _, _, _ := g.goType(n.Items)
		return "[]" + t, null, true, nil
	}
	log.Fatalf("unsupported type %q (inline objects must be $defs)", ts[0])
	return "", false, false, nil
}

// firstParagraph is the first paragraph of a description that is not a
// Markdown table, on one line.
func firstParagraph(desc string) string {
	for _, p := range strings.Split(desc, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "|") {
			continue
		}
		return strings.Join(strings.Fields(p), " ")
	}
	return ""
}

// comment writes text as a // comment wrapped at about 78 columns.
func comment(b *bytes.Buffer, indent, text string) {
	if text == "" {
		return
	}
	width := 76 - len(indent)*4
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			fmt.Fprintf(b, "%s// %s\n", indent, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	fmt.Fprintf(b, "%s// %s\n", indent, line)
}

// typeDoc is "<Name> is <description>" when the description reads on
// from "is" (it starts with a plain word), else "<Name>: <description>".
func typeDoc(goName, schemaName, desc string) string {
	text := firstParagraph(desc)
	word, _, _ := strings.Cut(text, " ")
	word = strings.TrimRight(word, ".,;:")
	plain := word != "" && strings.IndexFunc(word[1:], func(r rune) bool { return !unicode.IsLower(r) }) < 0 &&
		unicode.IsUpper([]rune(word)[0])
	switch {
	case text == "":
		text = goName + " is the schema's " + schemaName + "."
	case plain:
		r, size := utf8.DecodeRuneInString(text)
		text = goName + " is " + string(unicode.ToLower(r)) + text[size:]
	default:
		text = goName + ": " + text
	}
	if goName != schemaName {
		text += " (Schema: " + schemaName + ".)"
	}
	return text
}

type field struct {
	prop     string
	node     *node
	required bool
}

// fields are a type's properties, required ones first in required order,
// then optional ones alphabetically.
func fields(n *node) []field {
	var out []field
	for _, r := range n.Required {
		p, ok := n.Properties[r]
		if !ok {
			log.Fatalf("required property %q is not a property", r)
		}
		out = append(out, field{r, p, true})
	}
	var optional []string
	for name := range n.Properties {
		if !slices.Contains(n.Required, name) {
			optional = append(optional, name)
		}
	}
	sort.Strings(optional)
	for _, name := range optional {
		out = append(out, field{name, n.Properties[name], false})
	}
	return out
}

func (g *generator) writeStruct(b *bytes.Buffer, name string) {
	n := g.defs[name]
	gn := goName(name)
	comment(b, "", typeDoc(gn, name, n.Description))
	fmt.Fprintf(b, "type %s struct {\n", gn)

	skip := map[string]bool{}
	if inner, ok := embeds[name]; ok {
		in := g.defs[inner]
		if in == nil {
			log.Fatalf("%s embeds the missing %s", name, inner)
		}
		for prop, p := range in.Properties {
			outer, ok := n.Properties[prop]
			if !ok || !reflect.DeepEqual(outer, p) ||
				slices.Contains(in.Required, prop) != slices.Contains(n.Required, prop) {
				log.Fatalf("%s cannot embed %s: its %q differs", name, inner, prop)
			}
			skip[prop] = true
		}
		g.want(inner)
		fmt.Fprintf(b, "\t%s\n", goName(inner))
	}

	first := len(skip) == 0
	for _, f := range fields(n) {
		if skip[f.prop] {
			continue
		}
		typ, null, zeroOK, enum := g.goType(f.node)
		optional := null || !f.required
		if null && !zeroOK {
			typ = "*" + typ
		}
		doc := firstParagraph(f.node.Description)
		if len(enum) > 0 && typ == "string" {
			doc += " One of: " + strings.Join(enum, ", ") + "."
		}
		if optional && f.node.Default == nil {
			if strings.HasPrefix(typ, "*") {
				doc += " Nil when absent."
			} else if !strings.HasPrefix(typ, "[]") {
				doc += " Zero when absent."
			}
		}
		tag := f.prop
		if (optional && (zeroOK && typ != "time.Time" || strings.HasPrefix(typ, "*"))) || extraOmitempty[name+"."+f.prop] {
			tag += ",omitempty"
		}
		if !first {
			b.WriteString("\n")
		}
		first = false
		comment(b, "\t", doc)
		fmt.Fprintf(b, "\t%s %s `json:%q`\n", fieldName(name, f.prop), typ, tag)
	}
	b.WriteString("}\n\n")
}

func main() {
	schemaPath := flag.String("schema", "../../schema/cosign-keys.schema.json", "the wire schema")
	out := flag.String("out", "wire_gen.go", "the Go file to write")
	flag.Parse()

	data, err := os.ReadFile(*schemaPath)
	if err != nil {
		log.Fatal(err)
	}
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		log.Fatalf("%s: %v", *schemaPath, err)
	}
	if len(doc.Documents) == 0 || len(doc.Defs) == 0 {
		log.Fatalf("%s: no x-documents or $defs", *schemaPath)
	}

	g := &generator{defs: doc.Defs, seen: map[string]bool{}}
	for _, d := range doc.Documents {
		if skipDocuments[d] {
			continue
		}
		if _, ok := doc.Defs[d]; !ok {
			log.Fatalf("document %q is not in $defs", d)
		}
		g.want(d)
	}

	// Generate the closure (goType queues what a struct refers to), then
	// write the structs sorted by Go name.
	var body = map[string][]byte{}
	for len(g.queue) > 0 {
		name := g.queue[0]
		g.queue = g.queue[1:]
		var sb bytes.Buffer
		g.writeStruct(&sb, name)
		body[goName(name)] = sb.Bytes()
	}
	names := make([]string, 0, len(body))
	for n := range body {
		names = append(names, n)
	}
	sort.Strings(names)

	var b bytes.Buffer
	fmt.Fprintln(&b, "// Code generated by internal/genwire from schema/cosign-keys.schema.json; DO NOT EDIT.")
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "package cosignkeys")
	fmt.Fprintln(&b)
	if g.usesTm {
		fmt.Fprintln(&b, `import "time"`)
		fmt.Fprintln(&b)
	}
	for _, n := range names {
		b.Write(body[n])
	}

	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatalf("generated code does not format: %v\n%s", err, b.String())
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}
