//! The valid leaves of a sprint, kept on disk as they are found (docs/protocol.md §4; issue #4: "a
//! crash or restart mid-sprint resumes and loses none").
//!
//! One append-only file per (epoch, account): a sequence of 40-byte records
//! `nonce (u64 LE) ‖ digest (32 bytes)`, flushed and synced after every batch. On open, every
//! whole record is read back; a torn last record (a crash mid-write) is cut off, so the file is
//! always a clean prefix of what was found. Leaves come out sorted strictly by nonce, duplicates
//! dropped — the order the commitment tree needs ([`sprint_core::merkle::Tree`]).

use std::{
	collections::BTreeMap,
	fs::{File, OpenOptions},
	io::{self, Read, Seek, SeekFrom, Write},
	path::{Path, PathBuf},
};

use sprint_core::merkle::{Hash32, Tree};

const RECORD: usize = 8 + 32;

/// The leaves found so far in one sprint, mirrored on disk.
pub struct LeafStore {
	path: PathBuf,
	file: File,
	leaves: BTreeMap<u64, Hash32>,
}

impl LeafStore {
	/// Opens (or creates) the store at `path`, reading back every whole record.
	pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
		let path = path.as_ref().to_path_buf();
		if let Some(dir) = path.parent() {
			std::fs::create_dir_all(dir)?;
		}
		let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path)?;
		let mut bytes = Vec::new();
		file.read_to_end(&mut bytes)?;
		let whole = bytes.len() / RECORD * RECORD;
		if whole != bytes.len() {
			// A torn record from a crash mid-write: drop it so appends stay aligned.
			file.set_len(whole as u64)?;
			file.seek(SeekFrom::End(0))?;
		}
		let mut leaves = BTreeMap::new();
		for record in bytes[..whole].chunks_exact(RECORD) {
			let mut nonce = [0u8; 8];
			nonce.copy_from_slice(&record[..8]);
			let mut digest = [0u8; 32];
			digest.copy_from_slice(&record[8..]);
			leaves.insert(u64::from_le_bytes(nonce), digest);
		}
		Ok(Self { path, file, leaves })
	}

	/// Where the store lives.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// Appends `found` and syncs it to disk before returning; leaves already stored are skipped.
	pub fn append(&mut self, found: &[(u64, Hash32)]) -> io::Result<()> {
		let mut bytes = Vec::with_capacity(found.len() * RECORD);
		for (nonce, digest) in found {
			if self.leaves.insert(*nonce, *digest).is_none() {
				bytes.extend_from_slice(&nonce.to_le_bytes());
				bytes.extend_from_slice(digest);
			}
		}
		if !bytes.is_empty() {
			self.file.write_all(&bytes)?;
			self.file.sync_data()?;
		}
		Ok(())
	}

	/// How many leaves are stored.
	pub fn len(&self) -> usize {
		self.leaves.len()
	}

	/// Whether none is.
	pub fn is_empty(&self) -> bool {
		self.leaves.is_empty()
	}

	/// The highest nonce stored: a restarted search resumes after it.
	pub fn last_nonce(&self) -> Option<u64> {
		self.leaves.keys().next_back().copied()
	}

	/// The leaves, sorted strictly by nonce.
	pub fn leaves(&self) -> Vec<(u64, Hash32)> {
		self.leaves.iter().map(|(n, d)| (*n, *d)).collect()
	}

	/// The commitment tree of the stored leaves.
	pub fn tree(&self) -> Tree {
		Tree::new(&self.leaves())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn temp(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("sprint-leaves-{}-{name}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		dir.join("epoch-0.leaves")
	}

	#[test]
	fn leaves_survive_a_reopen_sorted_and_without_duplicates() {
		let path = temp("reopen");
		let mut store = LeafStore::open(&path).expect("opens");
		store.append(&[(9, [9; 32]), (3, [3; 32])]).expect("appends");
		store.append(&[(3, [3; 32]), (5, [5; 32])]).expect("appends");
		drop(store);
		let store = LeafStore::open(&path).expect("reopens");
		assert_eq!(store.leaves(), vec![(3, [3; 32]), (5, [5; 32]), (9, [9; 32])]);
		assert_eq!(store.last_nonce(), Some(9));
		assert_eq!(std::fs::metadata(&path).expect("exists").len(), 3 * RECORD as u64);
		let _ = std::fs::remove_dir_all(path.parent().expect("has a parent"));
	}

	#[test]
	fn a_torn_last_record_is_cut_and_nothing_before_it_is_lost() {
		let path = temp("torn");
		let mut store = LeafStore::open(&path).expect("opens");
		store.append(&[(1, [1; 32]), (2, [2; 32])]).expect("appends");
		drop(store);
		// A crash in the middle of writing a third record.
		let mut file = OpenOptions::new().append(true).open(&path).expect("opens");
		file.write_all(&[7u8; 13]).expect("writes");
		drop(file);
		let mut store = LeafStore::open(&path).expect("reopens");
		assert_eq!(store.len(), 2);
		store.append(&[(4, [4; 32])]).expect("appends after the cut");
		drop(store);
		let store = LeafStore::open(&path).expect("reopens");
		assert_eq!(store.leaves(), vec![(1, [1; 32]), (2, [2; 32]), (4, [4; 32])]);
		let _ = std::fs::remove_dir_all(path.parent().expect("has a parent"));
	}
}
