//! The executor's records on disk, under `data_dir/<genesis>/market/`:
//!
//! - `payloads/<ticket epoch>/<receipt id>`: each answer's [`Payload`], kept for
//!   `payload_retention_epochs` after its ticket's epoch, served to auditors;
//! - `pending/<receipt id>`: a second link to the payload of each receipt not settled yet,
//!   made before the answer's last chunk leaves, so a worker killed afterwards still settles it
//!   when it restarts;
//! - `rejected/<receipt id>`: receipts the chain refused, with the reason beside them.
//!
//! Every file is written to a temporary name and renamed, so a crash never leaves half a record.

use std::{
	fs,
	io::{self, Write as _},
	path::{Path, PathBuf},
};

use codec::{Decode, Encode};
use sprint_core::{merkle::Hash32, EpochIndex};

use super::Payload;
use crate::chain::inference::Receipt;

/// The executor's records.
#[derive(Clone, Debug)]
pub struct Store {
	root: PathBuf,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
	if let Some(dir) = path.parent() {
		fs::create_dir_all(dir)?;
	}
	let tmp = path.with_extension("tmp");
	let mut file = fs::File::create(&tmp)?;
	file.write_all(bytes)?;
	file.sync_all()?;
	fs::rename(&tmp, path)
}

/// Removes the subfolders of `dir` named by an epoch before `epoch`; returns how many.
fn remove_epochs_before(dir: &Path, epoch: EpochIndex) -> io::Result<usize> {
	let mut removed = 0;
	for entry in fs::read_dir(dir)? {
		let entry = entry?;
		let old = entry
			.file_name()
			.to_str()
			.and_then(|n| n.parse::<EpochIndex>().ok())
			.is_some_and(|e| e < epoch);
		if old {
			fs::remove_dir_all(entry.path())?;
			removed += 1;
		}
	}
	Ok(removed)
}

impl Store {
	/// Opens (creating) the records under `root`.
	pub fn open(root: PathBuf) -> io::Result<Self> {
		for dir in ["payloads", "pending", "rejected", "evidence"] {
			fs::create_dir_all(root.join(dir))?;
		}
		Ok(Self { root })
	}

	fn payload_path(&self, epoch: EpochIndex, id: &Hash32) -> PathBuf {
		self.root.join("payloads").join(epoch.to_string()).join(hex::encode(id))
	}

	/// Keeps an answer: its payload (written and synced once), then a second link to the same
	/// file under `pending/` until its receipt settles.
	pub fn keep(&self, payload: &Payload) -> io::Result<()> {
		let id = payload.receipt.id();
		let path = self.payload_path(payload.receipt.ticket.epoch, &id);
		write_atomic(&path, &payload.encode())?;
		let pending = self.root.join("pending").join(hex::encode(id));
		match fs::hard_link(&path, &pending) {
			Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
			other => other,
		}
	}

	/// The payload of receipt `id`, whose ticket is of `epoch`, as stored.
	pub fn payload(&self, epoch: EpochIndex, id: &Hash32) -> io::Result<Option<Vec<u8>>> {
		match fs::read(self.payload_path(epoch, id)) {
			Ok(bytes) => Ok(Some(bytes)),
			Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e),
		}
	}

	/// The receipts waiting for settlement, oldest first.
	pub fn pending(&self) -> io::Result<Vec<Receipt>> {
		let mut entries = Vec::new();
		for entry in fs::read_dir(self.root.join("pending"))? {
			let entry = entry?;
			if entry.path().extension().is_some() {
				continue; // a temporary file of a crashed write
			}
			let modified = entry.metadata()?.modified()?;
			entries.push((modified, entry.path()));
		}
		entries.sort();
		let mut receipts = Vec::with_capacity(entries.len());
		for (_, path) in entries {
			let bytes = fs::read(&path)?;
			match Payload::decode(&mut &bytes[..]) {
				Ok(payload) => receipts.push(payload.receipt),
				Err(e) => {
					tracing::warn!("{} is not a receipt ({e}): set aside", path.display());
					let _ = fs::rename(
						&path,
						self.root.join("rejected").join(path.file_name().unwrap_or_default()),
					);
				}
			}
		}
		Ok(receipts)
	}

	/// Receipt `id` settled: it is no longer pending (its payload stays).
	pub fn settled(&self, id: &Hash32) -> io::Result<()> {
		match fs::remove_file(self.root.join("pending").join(hex::encode(id))) {
			Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
			_ => Ok(()),
		}
	}

	/// Receipt `id` can never settle: moved aside with `reason`.
	pub fn reject(&self, id: &Hash32, reason: &str) -> io::Result<()> {
		let name = hex::encode(id);
		let from = self.root.join("pending").join(&name);
		if from.exists() {
			fs::rename(&from, self.root.join("rejected").join(&name))?;
		}
		write_atomic(&self.root.join("rejected").join(format!("{name}.reason")), reason.as_bytes())
	}

	/// Removes the payloads of tickets older than `epoch`.
	pub fn prune_before(&self, epoch: EpochIndex) -> io::Result<usize> {
		remove_epochs_before(&self.root.join("payloads"), epoch)
	}

	fn evidence_path(&self, settle_epoch: EpochIndex, id: &Hash32) -> PathBuf {
		self.root.join("evidence").join(settle_epoch.to_string()).join(hex::encode(id))
	}

	/// Keeps, as auditor, the payload of receipt `id` (settled in `settle_epoch`) that it
	/// failed: it posts it on chain for the re-run voters, even after a restart.
	pub fn keep_evidence(
		&self,
		settle_epoch: EpochIndex,
		id: &Hash32,
		bytes: &[u8],
	) -> io::Result<()> {
		write_atomic(&self.evidence_path(settle_epoch, id), bytes)
	}

	/// The payload this auditor failed for receipt `id` of `settle_epoch`, if it kept one.
	pub fn evidence(&self, settle_epoch: EpochIndex, id: &Hash32) -> io::Result<Option<Vec<u8>>> {
		match fs::read(self.evidence_path(settle_epoch, id)) {
			Ok(bytes) => Ok(Some(bytes)),
			Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e),
		}
	}

	/// Removes the evidence of settle epochs before `epoch` (their disputes are decided).
	pub fn prune_evidence_before(&self, epoch: EpochIndex) -> io::Result<usize> {
		remove_epochs_before(&self.root.join("evidence"), epoch)
	}
}

/// A transfer agent's record of the tickets executors accepted, under
/// `data_dir/<genesis>/market/accepted/<ticket epoch>/<ticket hash>`: SCALE of (ticket, the
/// key's signature, the executor's acceptance). A ticket with no settled receipt two epochs
/// later is reported missed (docs/protocol.md §7, inference downtime).
#[derive(Clone, Debug)]
pub struct Acceptances {
	root: PathBuf,
}

/// One accepted ticket: the ticket, the key's signature and the executor's acceptance.
pub type Acceptance = (crate::chain::inference::Ticket, [u8; 64], [u8; 64]);

impl Acceptances {
	/// Opens (creating) the record under `root`.
	pub fn open(root: PathBuf) -> io::Result<Self> {
		fs::create_dir_all(&root)?;
		Ok(Self { root })
	}

	/// Keeps an accepted ticket.
	pub fn keep(&self, acceptance: &Acceptance) -> io::Result<()> {
		let ticket = &acceptance.0;
		let path = self.root.join(ticket.epoch.to_string()).join(hex::encode(ticket.hash()));
		write_atomic(&path, &acceptance.encode())
	}

	/// The accepted tickets of `epoch` still on record.
	pub fn of_epoch(&self, epoch: EpochIndex) -> io::Result<Vec<Acceptance>> {
		let dir = self.root.join(epoch.to_string());
		let mut out = Vec::new();
		let entries = match fs::read_dir(&dir) {
			Ok(entries) => entries,
			Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
			Err(e) => return Err(e),
		};
		for entry in entries {
			let path = entry?.path();
			if path.extension().is_some() {
				continue;
			}
			if let Ok(acceptance) = Acceptance::decode(&mut &fs::read(&path)?[..]) {
				out.push(acceptance);
			}
		}
		Ok(out)
	}

	/// Forgets the accepted ticket whose hash is `hash` (settled, or reported).
	pub fn forget(&self, epoch: EpochIndex, hash: &Hash32) -> io::Result<()> {
		match fs::remove_file(self.root.join(epoch.to_string()).join(hex::encode(hash))) {
			Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
			_ => Ok(()),
		}
	}

	/// Removes the records of epochs before `epoch`.
	pub fn prune_before(&self, epoch: EpochIndex) -> io::Result<()> {
		remove_epochs_before(&self.root, epoch).map(|_| ())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::market::Endpoint;
	use sprint_core::market::{Sampling, Ticket};

	fn payload(nonce: u64) -> Payload {
		let ticket = Ticket {
			genesis: [1; 32],
			key: [2; 32],
			executor: [3; 32],
			model: 0,
			request_hash: [4; 32],
			max_tokens: 8,
			sampling: Sampling { temperature_milli: 0, top_p_milli: 1_000, seed: nonce },
			price: 10,
			nonce,
			epoch: 5,
			expiry: 100,
		};
		Payload {
			receipt: Receipt {
				ticket,
				ticket_signature: [0; 64],
				prompt_tokens: 3,
				completion_tokens: 2,
				output_commitment: [9; 32],
				executor_signature: [0; 64],
			},
			endpoint: Endpoint::Chat,
			request: b"{}".to_vec(),
			output: vec![1, 2],
		}
	}

	#[test]
	fn kept_answers_are_pending_until_settled_and_their_payloads_stay_until_pruned() {
		let dir = std::env::temp_dir().join(format!("sprint-store-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		let store = Store::open(dir.clone()).expect("opens");
		let (a, b) = (payload(1), payload(2));
		store.keep(&a).expect("keeps a");
		store.keep(&b).expect("keeps b");
		let pending = store.pending().expect("lists");
		assert_eq!(pending.len(), 2);
		store.settled(&a.receipt.id()).expect("settles a");
		store.reject(&b.receipt.id(), "NonceUsed").expect("rejects b");
		assert!(store.pending().expect("lists").is_empty());
		let bytes = store.payload(5, &a.receipt.id()).expect("reads").expect("kept");
		assert_eq!(Payload::decode(&mut &bytes[..]).expect("decodes"), a);
		assert_eq!(store.payload(6, &a.receipt.id()).expect("reads"), None, "wrong epoch");
		assert_eq!(store.prune_before(6).expect("prunes"), 1);
		assert_eq!(store.payload(5, &a.receipt.id()).expect("reads"), None);
		// An auditor's evidence is kept apart, by settle epoch, until pruned.
		let id = b.receipt.id();
		assert_eq!(store.evidence(6, &id).expect("reads"), None);
		store.keep_evidence(6, &id, b"failed bytes").expect("keeps");
		assert_eq!(store.evidence(6, &id).expect("reads"), Some(b"failed bytes".to_vec()));
		assert_eq!(store.evidence(7, &id).expect("reads"), None, "wrong epoch");
		assert_eq!(store.prune_evidence_before(7).expect("prunes"), 1);
		assert_eq!(store.evidence(6, &id).expect("reads"), None);
		let _ = fs::remove_dir_all(&dir);
	}
}
