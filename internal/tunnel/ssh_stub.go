package tunnel

import "errors"

// NewSSH is the ssh:DEST kind; helper "sd" writes it in ssh.go (this stub
// is deleted at the merge).
func NewSSH(dest string, o Options) (Kind, error) {
	return nil, errors.New("the ssh kind is not built yet")
}
