//! `cargo xtask bench`: the wall time of each regen stage over a corpus.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

/// Wall time of each regen stage, best and median of `runs`.
pub fn run(html: Option<PathBuf>, runs: usize) -> Result<ExitCode> {
    let html = html.unwrap_or_else(|| crate::docs_root().join("html"));
    let runs = runs.max(1);
    let mut read = Vec::new();
    let mut extract = Vec::new();
    let mut serialize = Vec::new();
    let mut total = Vec::new();
    let mut parse_only = Vec::new();
    let mut codegen = Vec::new();
    let mut specs = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let pages = crate::source::read_html_dir(&html)?;
        let t1 = Instant::now();
        let ex = crate::regen::extract_pages(&pages, &indicatif::ProgressBar::hidden());
        let t2 = Instant::now();
        let tree = crate::regen::spec_tree(&ex);
        let t3 = Instant::now();
        specs = tree.len();
        let code = crate::codegen::generate(&ex.specs, &ex.events, &ex.system)?;
        std::hint::black_box(code.len());
        codegen.push(t3.elapsed());
        read.push(t1 - t0);
        extract.push(t2 - t1);
        serialize.push(t3 - t2);
        total.push(t0.elapsed());
        // For reference: HTML parsing alone, of the same candidate pages.
        let t4 = Instant::now();
        let parsed = {
            use rayon::prelude::*;
            pages
                .par_iter()
                .filter(|p| crate::extract::title::is_candidate(&p.html))
                .map(|p| scraper::Html::parse_document(&p.html).tree.nodes().count())
                .sum::<usize>()
        };
        std::hint::black_box(parsed);
        parse_only.push(t4.elapsed());
    }
    let show = |name: &str, v: &mut Vec<std::time::Duration>| {
        v.sort();
        println!(
            "{name:<20} best {:>7.3}s  median {:>7.3}s",
            v[0].as_secs_f64(),
            v[v.len() / 2].as_secs_f64()
        );
    };
    println!(
        "regen of {} ({specs} spec files, {runs} runs, {} threads)",
        html.display(),
        rayon::current_num_threads()
    );
    show("read", &mut read);
    show("extract", &mut extract);
    show("serialize", &mut serialize);
    show("codegen", &mut codegen);
    show("total", &mut total);
    show("(html5 parse alone)", &mut parse_only);
    Ok(ExitCode::SUCCESS)
}
