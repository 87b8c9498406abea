//! Quality of the integer engine against the f32 reference on the 20 prompts (used by `make bench`).
use std::time::Instant;
use sprint_worker::inference::{float::FloatModel, gguf::Gguf, quality, LanguageModel};

fn main() {
	let path = std::env::args().nth(1).unwrap();
	let n: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(32);
	let gguf = Gguf::open(path.as_ref()).unwrap();
	let lm = LanguageModel::from_gguf("m".into(), &gguf).unwrap();
	let fm = FloatModel::load(&gguf).unwrap();
	let (mut m, mut t) = (0, 0);
	let start = Instant::now();
	for q in quality::PROMPTS.iter().take(std::env::var("P").map(|p| p.parse().unwrap()).unwrap_or(20)) {
		let p = quality::chat_prompt(&lm, q);
		let cont = quality::float_greedy(&lm, &fm, &p, n);
		let (a, b) = quality::agreement(&lm, &p, &cont).unwrap();
		m += a; t += b;
		eprintln!("{a}/{b} {q} -> {:?}", lm.tokenizer.decode(&cont).unwrap());
	}
	eprintln!("agreement {m}/{t} = {:.1}% in {:?}", 100.0 * m as f64 / t as f64, start.elapsed());
}
