//! The inference engine on small synthetic models the tests write themselves (fast): the GGUF
//! reader's errors, the engine's invariants (a sequence's logits do not depend on its batch or
//! on prefill versus decode), every vector variant against the portable build, replay.

use sprint_worker::inference::{
	chat::{ChatTemplate, Message},
	engine::EngineError,
	generate::{Finish, Generation, GenerationRequest},
	gguf::{Gguf, GgufError, TensorKind, Value, Writer},
	ops::{matmul_with, quantize},
	replay::{commitment, replay},
	simd,
	synthetic::{SyntheticModel, CHATML},
	tokenizer::TextStream,
	LanguageModel, SamplingParams, Step,
};

fn tiny_lm(model: &SyntheticModel) -> (Gguf, LanguageModel) {
	let gguf = Gguf::read(model.to_gguf()).expect("the synthetic model parses");
	let lm = LanguageModel::from_gguf_with_threads("tiny".into(), &gguf, 2).expect("it loads");
	(gguf, lm)
}

#[test]
fn a_written_gguf_reads_back_with_its_metadata_and_tensors() {
	let mut w = Writer::default();
	w.metadata("general.architecture", Value::Str("llama".into()))
		.metadata("answer", Value::U64(42))
		.metadata("list", Value::Array(vec![Value::Str("a".into()), Value::Str("b".into())]))
		.tensor("t", &[32, 2], TensorKind::Q8_0, vec![7; 68])
		.tensor("u", &[3], TensorKind::F32, vec![1; 12]);
	let gguf = Gguf::read(w.to_bytes()).expect("parses");
	assert_eq!(gguf.u64("answer").expect("present"), 42);
	assert_eq!(gguf.strings("list").expect("present"), vec!["a", "b"]);
	let t = gguf.tensor("t").expect("present");
	assert_eq!((t.dims.clone(), t.kind, gguf.data(t).len()), (vec![32, 2], TensorKind::Q8_0, 68));
	assert_eq!(gguf.data(gguf.tensor("u").expect("present")), &[1u8; 12]);
}

#[test]
fn truncated_foreign_and_unsupported_files_are_clear_errors() {
	let bytes = SyntheticModel::tiny().to_gguf();
	for cut in [3, 10, 30, 1_000, bytes.len() / 2, bytes.len() - 1] {
		let error = Gguf::read(bytes[..cut].to_vec()).err().expect("a cut file fails");
		assert!(
			matches!(error, GgufError::Truncated { .. } | GgufError::Magic { .. }),
			"cut at {cut}: {error}"
		);
	}
	let mut v2 = bytes.clone();
	v2[4] = 2;
	assert!(matches!(Gguf::read(v2), Err(GgufError::Version(2))));
	assert!(matches!(Gguf::read(b"PK\x03\x04 not a model".to_vec()), Err(GgufError::Magic { .. })));
	// A Q4_K tensor (ggml type 12): the table entry's type is the 4 bytes before its offset.
	let mut w = Writer::default();
	w.tensor("k", &[256], TensorKind::F32, vec![0; 1024]);
	let mut q4k = w.to_bytes();
	// Header (24 bytes), the name's length (8) and byte, n_dims (4), one dim (8), then the type.
	let type_at = 24 + 8 + 1 + 4 + 8;
	q4k[type_at..type_at + 4].copy_from_slice(&12u32.to_le_bytes());
	match Gguf::read(q4k) {
		Err(GgufError::UnsupportedTensor { tensor, kind }) => {
			assert_eq!((tensor.as_str(), kind.as_str()), ("k", "Q4_K"))
		}
		other => panic!("expected an unsupported-tensor error, got {:?}", other.err()),
	}
}

#[test]
fn a_sequence_gets_the_same_logits_alone_in_a_batch_and_token_by_token() {
	let (_, lm) = tiny_lm(&SyntheticModel::tiny());
	let prompts: [&[u32]; 3] = [&[5, 80, 81, 82, 200], &[7, 7, 7], &[100, 3, 250, 261, 9, 12, 40]];
	let alone: Vec<Vec<i32>> = prompts
		.iter()
		.map(|p| {
			let mut cache = lm.model.new_cache();
			lm.model
				.forward(&mut [Step { cache: &mut cache, tokens: p, all_logits: true }])
				.expect("runs")
				.remove(0)
		})
		.collect();
	let mut caches: Vec<_> = prompts.iter().map(|_| lm.model.new_cache()).collect();
	let mut steps: Vec<Step<'_>> = caches
		.iter_mut()
		.zip(prompts)
		.map(|(cache, tokens)| Step { cache, tokens, all_logits: true })
		.collect();
	let batched = lm.model.forward(&mut steps).expect("runs");
	assert_eq!(batched, alone);
	let vocab = lm.model.config.vocab;
	for (p, all) in prompts.iter().zip(&alone) {
		let mut cache = lm.model.new_cache();
		for (i, token) in p.iter().enumerate() {
			let last = lm
				.model
				.forward(&mut [Step { cache: &mut cache, tokens: &[*token], all_logits: false }])
				.expect("runs");
			assert_eq!(last[0], all[i * vocab..(i + 1) * vocab], "position {i}");
		}
	}
}

#[test]
fn every_tensor_type_loads_and_runs_deterministically() {
	for (matrices, embedding) in [
		(TensorKind::Q4_1, TensorKind::Q8_0),
		(TensorKind::Q4_0, TensorKind::Q4_1),
		(TensorKind::Q8_0, TensorKind::F16),
		(TensorKind::F16, TensorKind::F32),
		(TensorKind::F32, TensorKind::Q4_0),
	] {
		let model = SyntheticModel { matrices, embedding, ..SyntheticModel::tiny() };
		let (_, a) = tiny_lm(&model);
		let (_, b) = tiny_lm(&model);
		let run = |lm: &LanguageModel| {
			let mut cache = lm.model.new_cache();
			lm.model
				.forward(&mut [Step { cache: &mut cache, tokens: &[3, 4, 5, 6], all_logits: true }])
				.expect("runs")
		};
		let logits = run(&a);
		assert_eq!(logits, run(&b), "{matrices:?}/{embedding:?}");
		assert!(
			logits[0].iter().any(|l| *l != 0),
			"{matrices:?}/{embedding:?}: logits are not all zero"
		);
	}
}

#[test]
fn every_vector_variant_gives_the_portable_bits() {
	let model =
		SyntheticModel { d_model: 576, heads: 9, kv_heads: 3, d_ff: 160, ..SyntheticModel::tiny() };
	let mut seed = 12345u32;
	let mut next = || {
		seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
		seed
	};
	for (matrices, name, cols, rows) in [
		(TensorKind::Q4_1, "blk.0.attn_q.weight", 576, 576),
		(TensorKind::Q4_1, "blk.0.ffn_down.weight", 160, 576),
		(TensorKind::Q8_0, "blk.0.attn_k.weight", 576, 192),
		(TensorKind::Q4_0, "blk.0.ffn_gate.weight", 576, 160),
	] {
		let gguf =
			Gguf::read(SyntheticModel { matrices, ..model.clone() }.to_gguf()).expect("parses");
		let w = sprint_worker::inference::weights::matrix(&gguf, name, cols, rows).expect("loads");
		// Rows of very different scales, outliers included, as real activations have.
		let x: Vec<i32> = (0..3 * cols)
			.map(|i| {
				let r = next() as i32 >> (8 + (i % 13) as i32);
				if i % 97 == 0 {
					r.saturating_mul(64)
				} else {
					r
				}
			})
			.collect();
		let q = quantize(&x, cols, w.activation_bits);
		let portable = matmul_with(simd::Isa::Portable, &q, &w);
		for isa in simd::available() {
			assert_eq!(matmul_with(isa, &q, &w), portable, "{isa:?} on {name} ({matrices:?})");
		}
	}
}

#[test]
fn a_sampled_answer_replays_exactly_and_a_changed_token_is_found() {
	let (_, lm) = tiny_lm(&SyntheticModel::tiny());
	let request = GenerationRequest {
		prompt: vec![1, 50, 60, 70, 2, 1],
		max_tokens: 12,
		params: SamplingParams::new(0.9, 0.95, 77).expect("in range"),
		stop: Vec::new(),
		top_logprobs: 0,
	};
	let mut generation = Generation::new(&lm, request.clone());
	generation.run(&lm, |_| {}).expect("runs");
	let output = generation.tokens.clone();
	let report = replay(&lm, &request, &output).expect("replays");
	assert_eq!(report.first_difference, None);
	assert_eq!(report.finish, generation.finished);
	assert_eq!(report.commitment, commitment(&output, &report.top));
	assert!(report.top.iter().all(|t| t.len() == 5));
	// The executor swaps one token: the replay names the position.
	let mut forged = output.clone();
	let at = forged.len() / 2;
	forged[at] = (forged[at] + 1) % lm.model.config.vocab as u32;
	let caught = replay(&lm, &request, &forged).expect("replays");
	assert_eq!(caught.first_difference, Some(at));
	assert_ne!(caught.commitment, report.commitment);
	// An answer cut short without a stop token breaks the stop rule.
	if output.len() > 2 && generation.finished == Some(Finish::Length) {
		let short = replay(&lm, &request, &output[..output.len() - 1]).expect("replays");
		assert_eq!(short.first_difference, Some(output.len() - 1));
	}
}

#[test]
fn the_context_and_the_vocabulary_bound_what_runs() {
	let model = SyntheticModel { context: 8, ..SyntheticModel::tiny() };
	let (_, lm) = tiny_lm(&model);
	let mut cache = lm.model.new_cache();
	let too_long = [3u32; 9];
	assert!(matches!(
		lm.model.forward(&mut [Step { cache: &mut cache, tokens: &too_long, all_logits: false }]),
		Err(EngineError::ContextOverflow { tokens: 9, context: 8 })
	));
	assert!(matches!(
		lm.model.forward(&mut [Step { cache: &mut cache, tokens: &[262], all_logits: false }]),
		Err(EngineError::Token { token: 262, vocab: 262 })
	));
	assert!(cache.is_empty(), "a refused step leaves the cache as it was");
}

#[test]
fn the_tokenizer_merges_matches_special_tokens_and_streams_whole_characters() {
	let (_, lm) = tiny_lm(&SyntheticModel::tiny());
	let t = &lm.tokenizer;
	let the = t.token_id("Ġthe").expect("merged token");
	let ids = t.encode("<|im_start|>user the 42").expect("encodes");
	assert_eq!(ids[0], 1, "the control token is matched whole");
	assert!(ids.contains(&the), "{ids:?}");
	assert_eq!(t.decode(&ids).expect("decodes"), "user the 42");
	// "é" is two bytes, two tokens: nothing is streamed until the character is whole.
	let bytes = t.encode("é").expect("encodes");
	assert_eq!(bytes.len(), 2);
	let mut stream = TextStream::new();
	assert_eq!(stream.push(t, bytes[0]), "");
	assert_eq!(stream.push(t, bytes[1]), "é");
}

#[test]
fn the_chat_template_renders_chatml() {
	let template =
		ChatTemplate::new(CHATML.to_owned(), String::new(), String::new()).expect("compiles");
	let text = template
		.render(&[
			Message { role: "system".into(), content: "Be brief.".into() },
			Message { role: "user".into(), content: "Hi".into() },
		])
		.expect("renders");
	assert_eq!(text, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
	let raising = ChatTemplate::new(
		"{{ raise_exception('no system role') }}".into(),
		String::new(),
		String::new(),
	)
	.expect("compiles");
	assert!(raising.render(&[]).is_err());
}
