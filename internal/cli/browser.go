package cli

import (
	"os/exec"
	"runtime"
)

// openBrowser opens url in the system's browser with the command goos
// has for it (xdg-open, open, start), given to run.
func openBrowser(goos, url string, run func(name string, args ...string) error) error {
	switch goos {
	case "darwin":
		return run("open", url)
	case "windows":
		// start is a command of cmd; "" is the window's title.
		return run("cmd", "/c", "start", "", url)
	}
	return run("xdg-open", url)
}

// openSystemBrowser opens url in this system's browser, without waiting
// for the browser.
func openSystemBrowser(url string) error {
	return openBrowser(runtime.GOOS, url, func(name string, args ...string) error {
		c := exec.Command(name, args...)
		if err := c.Start(); err != nil {
			return err
		}
		go c.Wait() // reaps the opener when it exits
		return nil
	})
}
