// Command noop exits at once. bench/shim.sh installs it as a fake
// python3.11 to measure the shim's own cost without an interpreter's
// start-up noise on top.
package main

func main() {}
