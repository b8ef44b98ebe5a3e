package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hexbeat/hexbeat/internal/ingest"
)

// runProgress reports an import of one file or many as one run: how much of all the files'
// bytes is read, the files done, the rows read, the rate and the time left. As a bar
// (--progress bar) it redraws one terminal line; as lines (--progress lines, for logs and
// scripts) it writes a line each time another tenth of the run is read.
type runProgress struct {
	w     io.Writer
	bar   bool
	files int
	total int64 // the bytes of every file, as listed
	start time.Time

	mu        sync.Mutex
	doneFiles int
	doneBytes int64 // the bytes of the files done
	doneRows  int   // the rows of the files done
	cur       string
	curRead   int64
	curSize   int64
	lastTenth int
}

// streetRowBytes is about the size of a police.uk street row (237 bytes on average in
// 2025's Thames Valley files), for the rows of a file part read before any file is done.
const streetRowBytes = 237

func newRunProgress(w io.Writer, bar bool, files []ingest.Source) *runProgress {
	p := &runProgress{w: w, bar: bar, files: len(files), start: time.Now(), lastTenth: -1}
	for _, f := range files {
		p.total += f.Size
	}
	return p
}

// file is the progress callback for the next file of the run.
func (p *runProgress) file(src ingest.Source) ingest.Progress {
	name := src.Short()
	if len(name) > 40 { // the bar stays on one terminal line
		name = "..." + name[len(name)-37:]
	}
	p.mu.Lock()
	p.cur, p.curRead, p.curSize = name, 0, src.Size
	p.mu.Unlock()
	return func(read, total int64) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.curRead = read
		if total > 0 {
			p.curSize = total
		}
		p.draw()
	}
}

// fileDone counts a file done (imported or refused) with the rows it read.
func (p *runProgress) fileDone(rows int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doneFiles++
	p.doneBytes += max(p.curSize, p.curRead)
	p.doneRows += rows
	p.cur, p.curRead, p.curSize = "", 0, 0
	p.draw()
}

// note says what the run does after its files are read (rebuilding indexes).
func (p *runProgress) note(msg string) {
	if p.bar {
		fmt.Fprintf(p.w, "\r\033[K%s", msg)
	} else {
		fmt.Fprintf(p.w, "progress %s\n", msg)
	}
}

// clear removes the bar, before a file's report is printed.
func (p *runProgress) clear() {
	if p.bar {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// draw writes the state, with p.mu held.
func (p *runProgress) draw() {
	read := p.doneBytes + p.curRead
	total := max(p.total, read)
	frac := 0.0
	if total > 0 {
		frac = min(1, float64(read)/float64(total))
	}
	rows := p.doneRows
	if p.curRead > 0 { // the current file's rows so far, at the files' rows per byte
		perByte := 1.0 / streetRowBytes
		if p.doneBytes > 0 && p.doneRows > 0 {
			perByte = float64(p.doneRows) / float64(p.doneBytes)
		}
		rows += int(float64(p.curRead) * perByte)
	}
	elapsed := time.Since(p.start)
	rate := float64(rows) / max(elapsed.Seconds(), 1e-3)
	left := ""
	if read > 0 && read < total {
		left = (time.Duration(float64(elapsed) * float64(total-read) / float64(read))).Round(time.Second).String() + " left"
	}
	state := fmt.Sprintf("%d/%d files, %s rows, %s rows/s", p.doneFiles, p.files, thousands(rows), thousands(int(rate)))
	if left != "" {
		state += ", " + left
	}
	if p.cur != "" && p.curSize > 0 && p.curRead >= p.curSize {
		state += "; storing " + p.cur
	} else if p.cur != "" {
		state += "; reading " + p.cur
	}
	if !p.bar {
		if p.doneFiles == p.files && p.files > 0 { // the last line: every file done
			p.lastTenth = 11
			fmt.Fprintf(p.w, "progress 100%% %s\n", state)
			return
		}
		if tenth := int(10 * frac); tenth > p.lastTenth {
			p.lastTenth = tenth
			fmt.Fprintf(p.w, "progress %d%% %s\n", 10*tenth, state)
		}
		return
	}
	const width = 30
	n := int(frac * width)
	bar := strings.Repeat("=", n)
	if n < width {
		bar += ">" + strings.Repeat(" ", width-n-1)
	}
	fmt.Fprintf(p.w, "\r\033[K[%s] %3.0f%% %s", bar, frac*100, state)
}

// thousands writes n with commas between its thousands.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
