//! The batching loop: one thread owns the model and advances every admitted answer by one
//! step per forward pass — a new request's whole prompt (its prefill) and the others' next
//! token together. Each answer's tokens do not depend on its neighbours (the engine works row
//! by row), so a request gets exactly the tokens it would get alone. An answer whose client
//! went away (its event channel closed) is dropped at the next step.

use std::{
	sync::{
		atomic::{AtomicUsize, Ordering},
		mpsc, Arc,
	},
	time::Duration,
};

use tokio::sync::mpsc as async_mpsc;

use crate::inference::{
	generate::{Finish, Generation, GenerationRequest, TokenOut},
	LanguageModel, Step,
};

/// What an answer sends its client.
#[derive(Debug)]
pub enum Event {
	/// A token.
	Token(TokenOut),
	/// The answer is over.
	Done {
		/// Why.
		finish: Finish,
		/// Prompt tokens.
		prompt_tokens: usize,
		/// Generated tokens.
		completion_tokens: usize,
	},
	/// The engine failed on this answer.
	Failed(String),
}

/// A request waiting for a place in the batch.
struct Job {
	request: GenerationRequest,
	events: async_mpsc::UnboundedSender<Event>,
}

/// Why a request was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
	/// The queue is full (HTTP 429).
	Busy,
	/// The loop has stopped (HTTP 503).
	Stopped,
}

/// The handle the HTTP side submits requests through.
#[derive(Clone)]
pub struct Scheduler {
	jobs: mpsc::SyncSender<Job>,
	waiting: Arc<AtomicUsize>,
	answering: Arc<AtomicUsize>,
	max_waiting: usize,
}

/// How busy the loop is: what `GET /health` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
	/// Answers in the batch now.
	pub answering: usize,
	/// Requests queued behind them.
	pub queued: usize,
	/// How many may queue before new ones get 429.
	pub max_queue: usize,
}

impl Scheduler {
	/// Starts the loop on its own thread: at most `max_batch` answers in one forward pass, at
	/// most `max_waiting` requests queued behind them.
	pub fn start(lm: Arc<LanguageModel>, max_batch: usize, max_waiting: usize) -> Self {
		let (jobs, queue) = mpsc::sync_channel(max_waiting.max(1));
		let waiting = Arc::new(AtomicUsize::new(0));
		let answering = Arc::new(AtomicUsize::new(0));
		let counters = (waiting.clone(), answering.clone());
		std::thread::Builder::new()
			.name("sprint-batcher".to_owned())
			.spawn(move || run(&lm, &queue, &counters.0, &counters.1, max_batch.max(1)))
			.map(|_| ())
			.unwrap_or_else(|e| tracing::error!("cannot start the batching thread: {e}"));
		Self { jobs, waiting, answering, max_waiting }
	}

	/// Answers in the batch and requests queued, now.
	pub fn load(&self) -> Load {
		Load {
			answering: self.answering.load(Ordering::SeqCst),
			queued: self.waiting.load(Ordering::SeqCst),
			max_queue: self.max_waiting,
		}
	}

	/// Queues `request`; its tokens arrive on the returned channel.
	pub fn submit(
		&self,
		request: GenerationRequest,
	) -> Result<async_mpsc::UnboundedReceiver<Event>, Refusal> {
		if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
			self.waiting.fetch_sub(1, Ordering::SeqCst);
			return Err(Refusal::Busy);
		}
		let (events, receiver) = async_mpsc::unbounded_channel();
		match self.jobs.try_send(Job { request, events }) {
			Ok(()) => Ok(receiver),
			Err(mpsc::TrySendError::Full(_)) => {
				self.waiting.fetch_sub(1, Ordering::SeqCst);
				Err(Refusal::Busy)
			}
			Err(mpsc::TrySendError::Disconnected(_)) => {
				self.waiting.fetch_sub(1, Ordering::SeqCst);
				Err(Refusal::Stopped)
			}
		}
	}
}

struct Active {
	generation: Generation,
	events: async_mpsc::UnboundedSender<Event>,
}

fn run(
	lm: &LanguageModel,
	queue: &mpsc::Receiver<Job>,
	waiting: &AtomicUsize,
	answering: &AtomicUsize,
	max_batch: usize,
) {
	let mut active: Vec<Active> = Vec::new();
	loop {
		answering.store(active.len(), Ordering::SeqCst);
		while active.len() < max_batch {
			let job = if active.is_empty() {
				match queue.recv_timeout(Duration::from_millis(500)) {
					Ok(job) => job,
					Err(mpsc::RecvTimeoutError::Timeout) => continue,
					Err(mpsc::RecvTimeoutError::Disconnected) => return,
				}
			} else {
				match queue.try_recv() {
					Ok(job) => job,
					Err(_) => break,
				}
			};
			// Counted as answering before it leaves the queue's count, so a request is never in
			// neither.
			answering.fetch_add(1, Ordering::SeqCst);
			waiting.fetch_sub(1, Ordering::SeqCst);
			let generation = Generation::new(lm, job.request);
			if generation.finished.is_some() {
				let _ = job.events.send(Event::Done {
					finish: Finish::Length,
					prompt_tokens: generation.request.prompt.len(),
					completion_tokens: 0,
				});
				answering.fetch_sub(1, Ordering::SeqCst);
				continue;
			}
			active.push(Active { generation, events: job.events });
		}
		// Clients that went away free their place before the pass.
		active.retain(|a| !a.events.is_closed());
		if active.is_empty() {
			continue;
		}
		let inputs: Vec<Vec<u32>> =
			active.iter().map(|a| a.generation.step_input().to_vec()).collect();
		let mut steps: Vec<Step<'_>> = active
			.iter_mut()
			.zip(&inputs)
			.map(|(a, tokens)| Step { cache: &mut a.generation.cache, tokens, all_logits: false })
			.collect();
		let logits = match lm.model.forward(&mut steps) {
			Ok(logits) => logits,
			Err(e) => {
				for a in active.drain(..) {
					let _ = a.events.send(Event::Failed(e.to_string()));
				}
				continue;
			}
		};
		for (a, logits) in active.iter_mut().zip(logits) {
			let token = a.generation.accept(lm, &logits);
			let _ = a.events.send(Event::Token(token));
			if let Some(finish) = a.generation.finished {
				let _ = a.events.send(Event::Done {
					finish,
					prompt_tokens: a.generation.request.prompt.len(),
					completion_tokens: a.generation.tokens.len(),
				});
			}
		}
		active.retain(|a| a.generation.finished.is_none());
	}
}
