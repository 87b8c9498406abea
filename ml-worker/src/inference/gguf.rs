//! GGUF v3, the model file format of llama.cpp: a header, typed metadata (`key → value`), a
//! tensor table (name, dimensions, element type, offset) and the tensor data, aligned.
//!
//! ```text
//! "GGUF" | version u32 = 3 | tensor_count u64 | kv_count u64
//! kv_count × (key: string, type: u32, value)         string = u64 length + UTF-8 bytes
//! tensor_count × (name: string, n_dims: u32, dims: n_dims × u64, type: u32, offset: u64)
//! padding to `general.alignment` (default 32), then the data; each offset is from its start
//! ```
//!
//! Everything is little-endian. [`Gguf::read`] checks every length against the file before it
//! trusts it, so a truncated or corrupt file is an error naming what was cut, never a panic or a
//! huge allocation. [`Writer`] writes the same format: the tests build their tiny models with it.

use std::{collections::BTreeMap, path::Path};

use thiserror::Error;

/// The only version read.
pub const VERSION: u32 = 3;
const MAGIC: &[u8; 4] = b"GGUF";
const DEFAULT_ALIGNMENT: u64 = 32;

/// Why a GGUF file cannot be read.
#[derive(Debug, Error)]
pub enum GgufError {
	/// The file could not be opened or read.
	#[error("cannot read the model file {path}: {source}")]
	Io {
		/// The file.
		path: String,
		/// The OS error.
		source: std::io::Error,
	},
	/// Not a GGUF file.
	#[error(
		"not a GGUF file (it starts with {found:?}, not \"GGUF\"): give the path of a .gguf model"
	)]
	Magic {
		/// The first bytes.
		found: Vec<u8>,
	},
	/// A GGUF version other than 3.
	#[error("GGUF version {0} is not supported (only version 3): convert the model with a current llama.cpp")]
	Version(u32),
	/// The file ends inside a structure.
	#[error("the model file is truncated: it ends while reading {what} (at byte {at} of {len}); download it again")]
	Truncated {
		/// What was being read.
		what: String,
		/// Where.
		at: u64,
		/// The file's length.
		len: u64,
	},
	/// A malformed value.
	#[error("the model file is corrupt: {0}")]
	Corrupt(String),
	/// A tensor element type the engine does not convert.
	#[error(
		"tensor {tensor} has type {kind}, which this engine does not load: use a GGUF whose \
		 tensors are F32, F16, Q4_0, Q4_1 or Q8_0"
	)]
	UnsupportedTensor {
		/// The tensor.
		tensor: String,
		/// Its ggml type (name or number).
		kind: String,
	},
	/// A metadata key the model needs is absent or of the wrong type.
	#[error("the model file lacks metadata {key} ({expected}): is it a Llama-family GGUF?")]
	Missing {
		/// The key.
		key: String,
		/// What type was expected.
		expected: &'static str,
	},
	/// A tensor the model needs is absent or has other dimensions.
	#[error("tensor {name}: {why}")]
	Tensor {
		/// The tensor.
		name: String,
		/// What is wrong.
		why: String,
	},
}

/// A metadata value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
	/// Any unsigned integer type.
	U64(u64),
	/// Any signed integer type.
	I64(i64),
	/// f32 or f64.
	F64(f64),
	/// A boolean.
	Bool(bool),
	/// A string.
	Str(String),
	/// An array of values.
	Array(Vec<Value>),
}

/// The element types of tensors, by their ggml numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorKind {
	/// 32-bit floats.
	F32,
	/// 16-bit floats.
	F16,
	/// Blocks of 32: f16 scale `d`, 16 bytes of 4-bit `q`; `w = d · (q − 8)`.
	Q4_0,
	/// Blocks of 32: f16 scale `d`, f16 minimum `m`, 16 bytes of 4-bit `q`; `w = d · q + m`.
	Q4_1,
	/// Blocks of 32: f16 scale `d`, 32 int8 `q`; `w = d · q`.
	Q8_0,
}

impl TensorKind {
	fn from_ggml(kind: u32) -> Option<Self> {
		Some(match kind {
			0 => Self::F32,
			1 => Self::F16,
			2 => Self::Q4_0,
			3 => Self::Q4_1,
			8 => Self::Q8_0,
			_ => return None,
		})
	}

	fn ggml(self) -> u32 {
		match self {
			Self::F32 => 0,
			Self::F16 => 1,
			Self::Q4_0 => 2,
			Self::Q4_1 => 3,
			Self::Q8_0 => 8,
		}
	}

	/// Elements per block (1 for plain floats).
	pub fn block_len(self) -> u64 {
		match self {
			Self::F32 | Self::F16 => 1,
			_ => 32,
		}
	}

	/// Bytes per block.
	pub fn block_bytes(self) -> u64 {
		match self {
			Self::F32 => 4,
			Self::F16 => 2,
			Self::Q4_0 => 18,
			Self::Q4_1 => 20,
			Self::Q8_0 => 34,
		}
	}
}

/// The name llama.cpp gives a ggml type number, for error messages.
fn ggml_name(kind: u32) -> String {
	let names = [
		"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K",
		"Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL",
		"IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16",
	];
	names.get(kind as usize).map_or_else(|| format!("#{kind}"), |name| (*name).to_owned())
}

/// One entry of the tensor table.
#[derive(Clone, Debug)]
pub struct TensorInfo {
	/// Its name, e.g. `blk.0.attn_q.weight`.
	pub name: String,
	/// Dimensions, fastest first (`dims[0]` is a row's length).
	pub dims: Vec<u64>,
	/// Element type.
	pub kind: TensorKind,
	/// Byte range of its data in the file.
	pub start: usize,
	/// Length in bytes.
	pub len: usize,
}

impl TensorInfo {
	/// Number of elements.
	pub fn elements(&self) -> u64 {
		self.dims.iter().product()
	}
}

/// A GGUF file read into memory: its metadata, tensor table and bytes.
pub struct Gguf {
	bytes: Vec<u8>,
	/// The metadata, by key.
	pub metadata: BTreeMap<String, Value>,
	/// The tensors, by name.
	pub tensors: BTreeMap<String, TensorInfo>,
}

struct Cursor<'a> {
	bytes: &'a [u8],
	at: usize,
}

impl<'a> Cursor<'a> {
	fn take(&mut self, n: u64, what: &dyn Fn() -> String) -> Result<&'a [u8], GgufError> {
		let len = self.bytes.len() as u64;
		let end = (self.at as u64).checked_add(n).filter(|end| *end <= len);
		let Some(end) = end else {
			return Err(GgufError::Truncated { what: what(), at: self.at as u64, len });
		};
		let slice = &self.bytes[self.at..end as usize];
		self.at = end as usize;
		Ok(slice)
	}

	fn array<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N], GgufError> {
		let mut out = [0u8; N];
		out.copy_from_slice(self.take(N as u64, what)?);
		Ok(out)
	}

	fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32, GgufError> {
		Ok(u32::from_le_bytes(self.array(what)?))
	}

	fn u64(&mut self, what: &dyn Fn() -> String) -> Result<u64, GgufError> {
		Ok(u64::from_le_bytes(self.array(what)?))
	}

	fn string(&mut self, what: &dyn Fn() -> String) -> Result<String, GgufError> {
		let len = self.u64(what)?;
		let bytes = self.take(len, what)?;
		String::from_utf8(bytes.to_vec())
			.map_err(|_| GgufError::Corrupt(format!("{} is not valid UTF-8", what())))
	}

	fn value(&mut self, kind: u32, what: &dyn Fn() -> String) -> Result<Value, GgufError> {
		Ok(match kind {
			0 => Value::U64(u64::from(self.array::<1>(what)?[0])),
			1 => Value::I64(i64::from(self.array::<1>(what)?[0] as i8)),
			2 => Value::U64(u64::from(u16::from_le_bytes(self.array(what)?))),
			3 => Value::I64(i64::from(i16::from_le_bytes(self.array(what)?))),
			4 => Value::U64(u64::from(self.u32(what)?)),
			5 => Value::I64(i64::from(i32::from_le_bytes(self.array(what)?))),
			6 => Value::F64(f64::from(f32::from_le_bytes(self.array(what)?))),
			7 => Value::Bool(self.array::<1>(what)?[0] != 0),
			8 => Value::Str(self.string(what)?),
			9 => {
				let inner = self.u32(what)?;
				let count = self.u64(what)?;
				// Every element takes at least one byte: a count beyond the file is corrupt.
				if count > (self.bytes.len() - self.at) as u64 {
					return Err(GgufError::Truncated {
						what: what(),
						at: self.at as u64,
						len: self.bytes.len() as u64,
					});
				}
				let mut items = Vec::with_capacity(count as usize);
				for _ in 0..count {
					items.push(self.value(inner, what)?);
				}
				Value::Array(items)
			}
			10 => Value::U64(self.u64(what)?),
			11 => Value::I64(i64::from_le_bytes(self.array(what)?)),
			12 => Value::F64(f64::from_le_bytes(self.array(what)?)),
			other => {
				return Err(GgufError::Corrupt(format!(
					"{} has unknown value type {other}",
					what()
				)))
			}
		})
	}
}

impl Gguf {
	/// Reads and parses the file at `path`.
	pub fn open(path: &Path) -> Result<Self, GgufError> {
		let bytes = std::fs::read(path)
			.map_err(|source| GgufError::Io { path: path.display().to_string(), source })?;
		Self::read(bytes)
	}

	/// Parses a whole file's bytes.
	pub fn read(bytes: Vec<u8>) -> Result<Self, GgufError> {
		let mut cursor = Cursor { bytes: &bytes, at: 0 };
		let header = || "the header".to_owned();
		let magic = cursor
			.take(4, &header)
			.map_err(|_| GgufError::Magic { found: bytes.iter().take(4).copied().collect() })?;
		if magic != MAGIC {
			return Err(GgufError::Magic { found: magic.to_vec() });
		}
		let version = cursor.u32(&header)?;
		if version != VERSION {
			return Err(GgufError::Version(version));
		}
		let tensor_count = cursor.u64(&header)?;
		let kv_count = cursor.u64(&header)?;
		let mut metadata = BTreeMap::new();
		for index in 0..kv_count {
			let key = cursor.string(&|| format!("the key of metadata entry {index}"))?;
			let what = || format!("metadata {key}");
			let kind = cursor.u32(&what)?;
			let value = cursor.value(kind, &what)?;
			metadata.insert(key, value);
		}
		let mut table = Vec::new();
		for index in 0..tensor_count {
			let name = cursor.string(&|| format!("the name of tensor {index}"))?;
			let what = || format!("the table entry of tensor {name}");
			let n_dims = cursor.u32(&what)?;
			if n_dims == 0 || n_dims > 4 {
				return Err(GgufError::Corrupt(format!("tensor {name} has {n_dims} dimensions")));
			}
			let mut dims = Vec::with_capacity(n_dims as usize);
			for _ in 0..n_dims {
				dims.push(cursor.u64(&what)?);
			}
			let kind_number = cursor.u32(&what)?;
			let offset = cursor.u64(&what)?;
			let kind = TensorKind::from_ggml(kind_number).ok_or_else(|| {
				GgufError::UnsupportedTensor { tensor: name.clone(), kind: ggml_name(kind_number) }
			})?;
			table.push((name, dims, kind, offset));
		}
		let alignment = match metadata.get("general.alignment") {
			None => DEFAULT_ALIGNMENT,
			Some(Value::U64(a)) if a.is_power_of_two() => *a,
			Some(other) => {
				return Err(GgufError::Corrupt(format!("general.alignment is {other:?}")));
			}
		};
		let data_start = (cursor.at as u64).div_ceil(alignment) * alignment;
		let file_len = bytes.len() as u64;
		let mut tensors = BTreeMap::new();
		for (name, dims, kind, offset) in table {
			let elements = dims.iter().try_fold(1u64, |n, d| n.checked_mul(*d));
			let len = elements
				.filter(|n| n % kind.block_len() == 0)
				.and_then(|n| (n / kind.block_len()).checked_mul(kind.block_bytes()))
				.ok_or_else(|| {
					GgufError::Corrupt(format!(
						"tensor {name} has dimensions {dims:?}, not whole {kind:?} blocks"
					))
				})?;
			if offset % alignment != 0 {
				return Err(GgufError::Corrupt(format!("tensor {name} is not aligned")));
			}
			let start = data_start.checked_add(offset);
			let end = start.and_then(|s| s.checked_add(len));
			match (start, end) {
				(Some(start), Some(end)) if end <= file_len => {
					let info = TensorInfo {
						name: name.clone(),
						dims,
						kind,
						start: start as usize,
						len: len as usize,
					};
					tensors.insert(name, info);
				}
				_ => {
					return Err(GgufError::Truncated {
						what: format!("the data of tensor {name}"),
						at: start.unwrap_or(u64::MAX),
						len: file_len,
					})
				}
			}
		}
		Ok(Self { bytes, metadata, tensors })
	}

	/// The sha256 of the whole file (what governance registers a model by).
	pub fn sha256(&self) -> [u8; 32] {
		polkadot_sdk::sp_crypto_hashing::sha2_256(&self.bytes)
	}

	/// The raw bytes of a tensor.
	pub fn data(&self, tensor: &TensorInfo) -> &[u8] {
		&self.bytes[tensor.start..tensor.start + tensor.len]
	}

	/// A tensor by name, or why it is missing.
	pub fn tensor(&self, name: &str) -> Result<&TensorInfo, GgufError> {
		self.tensors
			.get(name)
			.ok_or_else(|| GgufError::Tensor { name: name.to_owned(), why: "absent".to_owned() })
	}

	/// An unsigned integer metadata value.
	pub fn u64(&self, key: &str) -> Result<u64, GgufError> {
		match self.metadata.get(key) {
			Some(Value::U64(v)) => Ok(*v),
			Some(Value::I64(v)) if *v >= 0 => Ok(*v as u64),
			_ => Err(GgufError::Missing { key: key.to_owned(), expected: "an unsigned integer" }),
		}
	}

	/// A float metadata value.
	pub fn f64(&self, key: &str) -> Result<f64, GgufError> {
		match self.metadata.get(key) {
			Some(Value::F64(v)) => Ok(*v),
			_ => Err(GgufError::Missing { key: key.to_owned(), expected: "a float" }),
		}
	}

	/// A string metadata value.
	pub fn str(&self, key: &str) -> Result<&str, GgufError> {
		match self.metadata.get(key) {
			Some(Value::Str(v)) => Ok(v),
			_ => Err(GgufError::Missing { key: key.to_owned(), expected: "a string" }),
		}
	}

	/// A string array metadata value.
	pub fn strings(&self, key: &str) -> Result<Vec<&str>, GgufError> {
		let missing =
			|| GgufError::Missing { key: key.to_owned(), expected: "an array of strings" };
		match self.metadata.get(key) {
			Some(Value::Array(items)) => items
				.iter()
				.map(|item| match item {
					Value::Str(s) => Ok(s.as_str()),
					_ => Err(missing()),
				})
				.collect(),
			_ => Err(missing()),
		}
	}

	/// An integer array metadata value.
	pub fn integers(&self, key: &str) -> Result<Vec<i64>, GgufError> {
		let missing =
			|| GgufError::Missing { key: key.to_owned(), expected: "an array of integers" };
		match self.metadata.get(key) {
			Some(Value::Array(items)) => items
				.iter()
				.map(|item| match item {
					Value::I64(v) => Ok(*v),
					Value::U64(v) => i64::try_from(*v).map_err(|_| missing()),
					_ => Err(missing()),
				})
				.collect(),
			_ => Err(missing()),
		}
	}
}

/// Writes a GGUF v3 file: metadata and tensors given as raw blocks of their type.
#[derive(Default)]
pub struct Writer {
	metadata: Vec<(String, Value)>,
	tensors: Vec<(String, Vec<u64>, TensorKind, Vec<u8>)>,
}

impl Writer {
	/// Adds a metadata entry.
	pub fn metadata(&mut self, key: &str, value: Value) -> &mut Self {
		self.metadata.push((key.to_owned(), value));
		self
	}

	/// Adds a tensor of `kind` whose bytes are already in that type's block layout.
	pub fn tensor(
		&mut self,
		name: &str,
		dims: &[u64],
		kind: TensorKind,
		data: Vec<u8>,
	) -> &mut Self {
		self.tensors.push((name.to_owned(), dims.to_vec(), kind, data));
		self
	}

	/// The file's bytes.
	pub fn to_bytes(&self) -> Vec<u8> {
		fn string(out: &mut Vec<u8>, s: &str) {
			out.extend((s.len() as u64).to_le_bytes());
			out.extend(s.as_bytes());
		}
		fn kind_of(value: &Value) -> u32 {
			match value {
				Value::U64(_) => 10,
				Value::I64(_) => 11,
				Value::F64(_) => 6,
				Value::Bool(_) => 7,
				Value::Str(_) => 8,
				Value::Array(_) => 9,
			}
		}
		fn value(out: &mut Vec<u8>, v: &Value) {
			match v {
				Value::U64(x) => out.extend(x.to_le_bytes()),
				Value::I64(x) => out.extend(x.to_le_bytes()),
				Value::F64(x) => out.extend((*x as f32).to_le_bytes()),
				Value::Bool(x) => out.push(u8::from(*x)),
				Value::Str(s) => string(out, s),
				Value::Array(items) => {
					let inner = items.first().map_or(8, kind_of);
					out.extend(inner.to_le_bytes());
					out.extend((items.len() as u64).to_le_bytes());
					for item in items {
						value(out, item);
					}
				}
			}
		}
		let mut out = Vec::new();
		out.extend(MAGIC);
		out.extend(VERSION.to_le_bytes());
		out.extend((self.tensors.len() as u64).to_le_bytes());
		out.extend((self.metadata.len() as u64).to_le_bytes());
		for (key, v) in &self.metadata {
			string(&mut out, key);
			out.extend(kind_of(v).to_le_bytes());
			value(&mut out, v);
		}
		let mut offset = 0u64;
		let mut offsets = Vec::new();
		for (name, dims, kind, data) in &self.tensors {
			string(&mut out, name);
			out.extend((dims.len() as u32).to_le_bytes());
			for d in dims {
				out.extend(d.to_le_bytes());
			}
			out.extend(kind.ggml().to_le_bytes());
			out.extend(offset.to_le_bytes());
			offsets.push(offset);
			offset = (offset + data.len() as u64).div_ceil(DEFAULT_ALIGNMENT) * DEFAULT_ALIGNMENT;
		}
		let data_start = (out.len() as u64).div_ceil(DEFAULT_ALIGNMENT) * DEFAULT_ALIGNMENT;
		for ((_, _, _, data), offset) in self.tensors.iter().zip(offsets) {
			out.resize((data_start + offset) as usize, 0);
			out.extend(data);
		}
		out
	}
}
