//go:build race

package aliyun

// raceEnabled is true under the race detector, which makes the contract
// suite several times slower.
const raceEnabled = true
