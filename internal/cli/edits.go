package cli

import (
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/spf13/pflag"
)

// payloadEdits are the flags that change a sample before it is shown or
// sent.
type payloadEdits struct {
	sets, setStrings, unsets []string
}

func (e *payloadEdits) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&e.sets, "set", nil, "set a field, path=value (plain path: data.items.0.id; the value is JSON if it parses, else a string); repeatable")
	fs.StringArrayVar(&e.setStrings, "set-str", nil, "set a field to a string, path=value, even if the value looks like JSON; repeatable")
	fs.StringArrayVar(&e.unsets, "unset", nil, "remove a field (plain path); repeatable")
}

// parse reads the edits, --set, then --set-str, then --unset, and checks
// each path (catalog.CheckPath: a plain path), without a body.
func (e *payloadEdits) parse() ([]catalog.Edit, error) {
	var edits []catalog.Edit
	for _, list := range []struct {
		flag     string
		args     []string
		asString bool
	}{{"--set", e.sets, false}, {"--set-str", e.setStrings, true}} {
		for _, a := range list.args {
			ed, err := catalog.ParseSet(a, list.asString)
			if err != nil {
				return nil, usageErr("%s %v", list.flag, err)
			}
			edits = append(edits, ed)
		}
	}
	for _, u := range e.unsets {
		edits = append(edits, catalog.Edit{Path: u, Unset: true})
	}
	for _, ed := range edits {
		if err := catalog.CheckPath(ed.Path); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	return edits, nil
}

// apply makes the edits: --set, then --set-str, then --unset.
func (e *payloadEdits) apply(body []byte) ([]byte, error) {
	edits, err := e.parse()
	if err != nil || len(edits) == 0 {
		return body, err
	}
	out, err := catalog.Apply(body, edits)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return out, nil
}
