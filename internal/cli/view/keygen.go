package view

import "fmt"

// KeyPair is what `hooktool keygen` made: where the private key went and
// the public key. The private key itself is never here.
type KeyPair struct {
	Scheme         string `json:"scheme"`
	PrivateKeyFile string `json:"private_key_file"`
	PublicKey      string `json:"public_key"`
	// PublicKeyForm names the public key's form (whpk_<base64>, hex, ...).
	PublicKeyForm string `json:"public_key_form"`
}

// KeygenPrinter prints `hooktool keygen`: the public key on stdout, alone
// (text), or the whole KeyPair (JSON).
type KeygenPrinter interface {
	KeyPair(KeyPair) error
}

// NewKeygenPrinter returns the printer for out.
func NewKeygenPrinter(out Out) KeygenPrinter {
	if out.JSON {
		return keygenJSON{out}
	}
	return keygenText{out}
}

type keygenJSON struct{ out Out }

func (p keygenJSON) KeyPair(k KeyPair) error { return JSONLine(p.out.Streams.Out, k) }

type keygenText struct{ out Out }

func (p keygenText) KeyPair(k KeyPair) error {
	_, err := fmt.Fprintln(p.out.Streams.Out, k.PublicKey)
	return err
}
