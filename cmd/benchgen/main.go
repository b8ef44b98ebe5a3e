// Command benchgen writes benchmark data at national scale: police.uk street files made by
// resampling the real Thames Valley files (see internal/benchgen for the model). It is not
// part of the product; scripts/bench-scale.sh uses it.
//
//	benchgen -preset 10M -out /tmp/scale10m ../shared/data/police/street/*.csv
//	benchgen -n 2000000 -forces 2 -months 24 -out DIR FILES...
//
// It writes one file per month, DIR/YYYY-MM-bench-street.csv, and prints a summary.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hexbeat/hexbeat/internal/benchgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("benchgen", flag.ContinueOnError)
	preset := fs.String("preset", "", "1M, 10M or 60M (sets -n, -forces and -months)")
	n := fs.Int("n", 0, "incidents in all")
	forces := fs.Int("forces", 1, "copies of the real force (1..49)")
	months := fs.Int("months", 12, "months, ending at the last real month")
	variants := fs.Int("variants", 2, "jittered variants of each map point per force")
	jitterM := fs.Float64("jitter-m", 100, "largest jitter of a map point, metres")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output folder (created)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := benchgen.Config{N: *n, Forces: *forces, Months: *months, Variants: *variants, JitterM: *jitterM, Seed: *seed}
	if *preset != "" {
		p, err := benchgen.Preset(*preset)
		if err != nil {
			return err
		}
		p.Variants, p.JitterM, p.Seed = cfg.Variants, cfg.JitterM, cfg.Seed
		cfg = p
	}
	if *out == "" || fs.NArg() == 0 || cfg.N <= 0 {
		return fmt.Errorf("usage: benchgen (-preset P | -n N [-forces F] [-months M]) -out DIR STREET_CSV...")
	}
	src, err := benchgen.ReadSource(fs.Args()...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	var (
		f     *os.File
		bw    *bufio.Writer
		w     *csv.Writer
		cur   time.Time
		rec   []string
		files int
	)
	closeFile := func() error {
		if f == nil {
			return nil
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return f.Close()
	}
	err = benchgen.Generate(src, cfg, func(inc *benchgen.Incident) error {
		if f == nil || !inc.Month.Equal(cur) {
			if err := closeFile(); err != nil {
				return err
			}
			var err error
			f, err = os.Create(filepath.Join(*out, inc.Month.Format("2006-01")+"-bench-street.csv"))
			if err != nil {
				return err
			}
			files++
			cur = inc.Month
			bw = bufio.NewWriterSize(f, 1<<20)
			w = csv.NewWriter(bw)
			if err := w.Write(benchgen.Header); err != nil {
				return err
			}
		}
		rec = benchgen.Record(inc, rec)
		return w.Write(rec)
	})
	if err == nil {
		err = closeFile()
	}
	if err != nil {
		return err
	}
	fmt.Printf("%d incidents, %d forces x %d months, in %d files in %s (from %d real rows at %d map points; %s)\n",
		cfg.N, cfg.Forces, cfg.Months, files, *out, src.Rows(), src.Points(), time.Since(start).Round(time.Millisecond))
	return nil
}
