//! The engine on the real model, SmolLM2-135M-Instruct (Q4_1), as `make deps` installs it
//! (`$SPRINT_MODELS` or `~/.cache/sprint-models`): its tokenizer against llama.cpp's token ids,
//! a fact it knows with a wide margin, agreement with the f32 reference, batching.

use sprint_worker::inference::{
	default_model_path,
	float::FloatModel,
	generate::{Generation, GenerationRequest},
	gguf::Gguf,
	quality, LanguageModel, SamplingParams, Step,
};

fn model() -> (Gguf, LanguageModel) {
	let path = default_model_path();
	let gguf =
		Gguf::open(&path).unwrap_or_else(|e| panic!("{e}: run `make deps` to install the model"));
	let lm =
		LanguageModel::from_gguf_with_threads("SmolLM2".into(), &gguf, 2).expect("the model loads");
	(gguf, lm)
}

fn answer(
	lm: &LanguageModel,
	prompt: Vec<u32>,
	max_tokens: usize,
	params: SamplingParams,
) -> Vec<u32> {
	let request =
		GenerationRequest { prompt, max_tokens, params, stop: Vec::new(), top_logprobs: 0 };
	let mut generation = Generation::new(lm, request);
	generation.run(lm, |_| {}).expect("runs");
	generation.tokens
}

#[test]
fn the_file_is_the_one_make_deps_checks() {
	let (_, lm) = model();
	assert_eq!(lm.sha256, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53");
	let c = &lm.model.config;
	assert_eq!(
		(c.layers, c.d_model, c.d_ff, c.heads, c.kv_heads, c.vocab),
		(30, 576, 1536, 9, 3, 49_152)
	);
}

#[test]
fn the_chat_prompt_tokenizes_as_llama_cpp_does() {
	let (_, lm) = model();
	let prompt = quality::chat_prompt(&lm, "What is the capital of Japan?");
	// llama.cpp (llama-cpp-python 0.3.36, tokenize(special=True)) on this file.
	let expected = [
		1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411,
		407, 19712, 8182, 2, 198, 1, 4093, 198, 1780, 314, 260, 3575, 282, 3085, 47, 2, 198, 1,
		520, 9531, 198,
	];
	assert_eq!(prompt, expected);
	let text = "Prices rose 12.5% in 2024 — naïve café owners said “wow”.";
	let ids = lm.tokenizer.encode(text).expect("encodes");
	assert_eq!(lm.tokenizer.decode(&ids).expect("decodes"), text);
	// SmolLM splits every digit on its own.
	let digits = lm.tokenizer.encode("2024").expect("encodes");
	assert_eq!(digits.len(), 4);
}

#[test]
fn asked_for_the_capital_of_japan_it_answers_tokyo() {
	let (_, lm) = model();
	let prompt = quality::chat_prompt(&lm, "What is the capital of Japan?");
	let tokens = answer(&lm, prompt, 24, SamplingParams::GREEDY);
	let text = lm.tokenizer.decode(&tokens).expect("decodes");
	assert!(text.contains("Tokyo"), "{text:?}");
	assert_eq!(tokens.last(), Some(&2), "the answer ends with <|im_end|>: {text:?}");
}

#[test]
fn the_integer_engine_agrees_with_the_f32_reference() {
	let (gguf, lm) = model();
	let float = FloatModel::load(&gguf).expect("dequantizes");
	let (mut matched, mut total) = (0, 0);
	for question in &quality::PROMPTS[..4] {
		let prompt = quality::chat_prompt(&lm, question);
		let continuation = quality::float_greedy(&lm, &float, &prompt, 16);
		let (m, n) = quality::agreement(&lm, &prompt, &continuation).expect("runs");
		matched += m;
		total += n;
	}
	// All 20 prompts × 32 tokens (make bench): 96.2%. Here 4 × 16, with room for one knife edge.
	assert!(matched * 100 >= total * 90, "top-1 agreement {matched}/{total}");
}

#[test]
fn eight_answers_batched_together_are_the_answers_each_gets_alone() {
	let (_, lm) = model();
	let requests: Vec<GenerationRequest> = quality::PROMPTS[..8]
		.iter()
		.enumerate()
		.map(|(i, q)| GenerationRequest {
			prompt: quality::chat_prompt(&lm, q),
			max_tokens: 6,
			params: SamplingParams::new(0.8, 0.9, i as u64).expect("in range"),
			stop: Vec::new(),
			top_logprobs: 0,
		})
		.collect();
	let alone: Vec<Vec<u32>> =
		requests.iter().map(|r| answer(&lm, r.prompt.clone(), r.max_tokens, r.params)).collect();
	let mut generations: Vec<Generation> =
		requests.into_iter().map(|r| Generation::new(&lm, r)).collect();
	while generations.iter().any(|g| g.finished.is_none()) {
		let inputs: Vec<Vec<u32>> = generations.iter().map(|g| g.step_input().to_vec()).collect();
		let active: Vec<usize> =
			(0..generations.len()).filter(|i| generations[*i].finished.is_none()).collect();
		let mut steps: Vec<Step<'_>> = generations
			.iter_mut()
			.zip(&inputs)
			.filter(|(g, _)| g.finished.is_none())
			.map(|(g, tokens)| Step { cache: &mut g.cache, tokens, all_logits: false })
			.collect();
		let logits = lm.model.forward(&mut steps).expect("runs");
		for (i, logits) in active.into_iter().zip(logits) {
			generations[i].accept(&lm, &logits);
		}
	}
	let batched: Vec<Vec<u32>> = generations.into_iter().map(|g| g.tokens).collect();
	assert_eq!(batched, alone);
}
