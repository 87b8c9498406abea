use std::time::Instant;
use sprint_worker::inference::{chat::Message, float::FloatModel, gguf::Gguf, LanguageModel, Step};

fn main() {
	let path = std::env::args().nth(1).unwrap();
	let t = Instant::now();
	let gguf = Gguf::open(path.as_ref()).unwrap();
	let lm = LanguageModel::from_gguf_with_threads("m".into(), &gguf, std::env::var("T").map(|t| t.parse().unwrap()).unwrap_or(2)).unwrap();
	eprintln!("load {:?}", t.elapsed());
	let prompt = lm.chat.as_ref().unwrap().render(&[Message { role: "user".into(), content: "What is the capital of Japan?".into() }]).unwrap();
	let ids = lm.tokenizer.encode(&prompt).unwrap();
	eprintln!("{} tokens: {:?}", ids.len(), &ids);
	let mut cache = lm.model.new_cache();
	let t = Instant::now();
	let mut logits = lm.model.forward(&mut [Step { cache: &mut cache, tokens: &ids, all_logits: false }]).unwrap().remove(0);
	eprintln!("prefill {:?}", t.elapsed());
	let mut out = vec![];
	let t = Instant::now();
	for _ in 0..64 {
		let tok = logits.iter().enumerate().max_by_key(|(i, l)| (**l, std::cmp::Reverse(*i))).unwrap().0 as u32;
		out.push(tok);
		logits = lm.model.forward(&mut [Step { cache: &mut cache, tokens: &[tok], all_logits: false }]).unwrap().remove(0);
	}
	let dt = t.elapsed();
	eprintln!("decode {} tokens {:?} = {:.1} tok/s", out.len(), dt, out.len() as f64 / dt.as_secs_f64());
	eprintln!("INT: {:?}", lm.tokenizer.decode(&out).unwrap());
	if std::env::var("NOFLOAT").is_ok() { return; }
	let fm = FloatModel::load(&gguf).unwrap();
	let mut seq = ids.clone();
	let mut fout = vec![];
	let t = Instant::now();
	for _ in 0..32 {
		let l = fm.logits(&seq);
		let v = l.len() / seq.len();
		let last = &l[(seq.len() - 1) * v..];
		let tok = last.iter().enumerate().max_by(|a, b| a.1.partial_cmp(b.1).unwrap()).unwrap().0 as u32;
		fout.push(tok); seq.push(tok);
		if tok == 2 { break; }
	}
	eprintln!("float {:?}: {:?}", t.elapsed(), lm.tokenizer.decode(&fout).unwrap());
	// teacher-forced agreement on float tokens
	let mut all = ids.clone(); all.extend(&fout);
	let mut c2 = lm.model.new_cache();
	let il = lm.model.forward(&mut [Step { cache: &mut c2, tokens: &all, all_logits: true }]).unwrap().remove(0);
	let v = lm.model.config.vocab;
	let mut agree = 0;
	for i in 0..fout.len() {
		let row = &il[(ids.len() - 1 + i) * v..(ids.len() + i) * v];
		let tok = row.iter().enumerate().max_by_key(|(i, l)| (**l, std::cmp::Reverse(*i))).unwrap().0 as u32;
		if tok == fout[i] { agree += 1; }
	}
	eprintln!("agreement {}/{}", agree, fout.len());
}
