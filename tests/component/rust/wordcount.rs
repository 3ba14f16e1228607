// A Rust WASI command for the component tests: built by Debian's rustc
// (target wasm32-wasi), made a component by `jco new --wasi-command`.
use std::collections::BTreeMap;

#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 { n as u64 } else { fib(n - 1) + fib(n - 2) }
}

#[inline(never)]
fn count_words(text: &str) -> BTreeMap<&str, u32> {
    let mut counts = BTreeMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = "the quick brown fox jumps over the lazy dog the end";
    for (word, n) in count_words(text) {
        println!("{word} {n}");
    }
    println!("fib(12) = {} args {:?}", fib(12), args);
}
