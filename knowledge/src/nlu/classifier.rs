//! A linear intent classifier: TF-IDF over word n-grams, character n-grams and slot features, multinomial logistic regression trained at build time.
//!
//! The shape is Snips NLU's probabilistic intent parser, scaled to a narrow domain: a few
//! hundred labelled utterances (`data/intents.toml`), a "none" class trained on near-miss
//! sentences, and softmax probabilities used for abstaining and for clarifying questions.
//! Training is deterministic (fixed order, fixed seed) so answers never change between runs.
//! `build.rs` trains the model ([`Classifier::train`]) and writes it with
//! [`Classifier::to_bytes`]; start-up reads it back with [`Classifier::from_bytes`]. Training
//! is plain IEEE single-precision arithmetic in a fixed order (no fused or reordered operations),
//! so the build script's model is bit for bit the one training at run time would give (a test
//! checks this).

// Fx hashing: the vocabulary is keyed by feature hashes, looked up for every feature of every
// message.
use rustc_hash::FxHashMap as HashMap;

use crate::text;

/// Character n-gram sizes taken from each word (with boundary markers).
const CHAR_NGRAMS: [usize; 2] = [3, 4];
/// Training epochs of stochastic gradient descent.
const EPOCHS: usize = 10;
/// Initial learning rate (decays as 1/(1 + t/decay)).
const LEARNING_RATE: f32 = 0.8;
/// L2 regularisation strength.
const L2: f32 = 2e-5;

/// Sparse feature vector: (feature id, value), L2-normalised.
pub type Features = Vec<(u32, f32)>;

/// The trained model.
#[derive(Debug)]
pub struct Classifier {
    vocab: HashMap<u64, u32>,
    /// Words seen in training, for typo correction.
    known_words: Vec<String>,
    idf: Vec<f32>,
    /// Feature-major weights: `weights[feature * classes + class]`, so that one feature's
    /// weights for every class are contiguous (the inner loops vectorise).
    weights: Weights,
    bias: Vec<f32>,
    labels: Vec<String>,
}

/// The weights: in memory while training, else read in place from the embedded model (the
/// pages of a feature's row are touched only when a message has that feature, so an idle
/// process keeps none of them).
#[derive(Debug)]
enum Weights {
    Trained(Vec<f32>),
    /// Little-endian `f32`s.
    Embedded(&'static [u8]),
}

/// One utterance ready for the model: its words (for typo correction) and every other
/// feature hashed (no allocation per n-gram).
#[derive(Debug, Clone, Default)]
pub struct Utterance {
    /// Normalised words, in order.
    pub words: Vec<String>,
    /// Hashed character n-gram and slot features.
    pub hashed: Vec<u64>,
}

/// FNV-1a over a kind tag and bytes: stable across runs and platforms.
fn fnv(kind: u8, parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(kind);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Features of one utterance: words (then word unigrams and bigrams are hashed after typo
/// correction), character n-grams of each word with boundary markers, and slot kinds.
pub fn utterance(text_in: &str, slot_features: &[&str]) -> Utterance {
    let words = text::tokens(text_in, true);
    let mut hashed = Vec::with_capacity(words.len() * 8);
    let lower = text_in.to_lowercase().replace(['\u{2019}', '\''], "");
    let mut buf: Vec<u8> = Vec::with_capacity(32);
    for raw in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        // Digits carry identity (years, ports) in words, not in character shapes.
        if raw.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        buf.clear();
        buf.push(b'<');
        buf.extend_from_slice(raw.as_bytes());
        buf.push(b'>');
        let chars: Vec<usize> = std::str::from_utf8(&buf)
            .map(|s| {
                s.char_indices()
                    .map(|(i, _)| i)
                    .chain([buf.len()])
                    .collect()
            })
            .unwrap_or_default();
        for n in CHAR_NGRAMS {
            if chars.len() <= n {
                continue;
            }
            for i in 0..chars.len() - n {
                hashed.push(fnv(b'c', &[&buf[chars[i]..chars[i + n]]]));
            }
        }
    }
    for s in slot_features {
        // Slots weigh more than a single n-gram.
        let h = fnv(b's', &[s.as_bytes()]);
        hashed.push(h);
        hashed.push(h);
    }
    Utterance { words, hashed }
}

/// Word unigram and bigram features, hashed.
fn word_features(words: &[String]) -> impl Iterator<Item = u64> + '_ {
    words.iter().map(|w| fnv(b'w', &[w.as_bytes()])).chain(
        words
            .windows(2)
            .map(|p| fnv(b'b', &[p[0].as_bytes(), p[1].as_bytes()])),
    )
}

impl Classifier {
    /// Trains on `(utterance, label)` pairs.
    pub fn train(examples: &[(Utterance, String)]) -> Classifier {
        let mut labels: Vec<String> = examples.iter().map(|(_, l)| l.clone()).collect();
        labels.sort();
        labels.dedup();
        let mut vocab: HashMap<u64, u32> = HashMap::default();
        let mut df: Vec<u32> = Vec::new();
        let mut known_words: Vec<String> = examples
            .iter()
            .flat_map(|(u, _)| u.words.iter().cloned())
            .collect();
        known_words.sort();
        known_words.dedup();
        for (u, _) in examples {
            let mut seen: Vec<u32> = Vec::new();
            for f in word_features(&u.words).chain(u.hashed.iter().copied()) {
                let next = u32::try_from(vocab.len()).unwrap_or(u32::MAX);
                let id = *vocab.entry(f).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                if !seen.contains(&id) {
                    seen.push(id);
                    df[id as usize] += 1;
                }
            }
        }
        let n_docs = examples.len().max(1) as f32;
        let idf: Vec<f32> = df
            .iter()
            .map(|d| ((1.0 + n_docs) / (1.0 + *d as f32)).ln() + 1.0)
            .collect();
        let mut model = Classifier {
            weights: Weights::Trained(vec![0.0; labels.len() * vocab.len()]),
            bias: vec![0.0; labels.len()],
            vocab,
            known_words,
            idf,
            labels,
        };
        let data: Vec<(Features, usize)> = examples
            .iter()
            .map(|(u, label)| {
                let y = model.labels.iter().position(|l| l == label).unwrap_or(0);
                (model.vectorize(u), y)
            })
            .collect();
        model.fit(&data);
        model
    }

    /// TF-IDF vector of known features, L2-normalised.
    fn vectorize(&self, u: &Utterance) -> Features {
        let mut ids: Vec<u32> = word_features(&u.words)
            .chain(u.hashed.iter().copied())
            .filter_map(|f| self.vocab.get(&f).copied())
            .collect();
        ids.sort_unstable();
        let mut v: Features = Vec::with_capacity(ids.len());
        for id in ids {
            match v.last_mut() {
                Some((last, tf)) if *last == id => *tf += 1.0,
                _ => v.push((id, 1.0)),
            }
        }
        for (id, x) in &mut v {
            *x = (1.0 + x.ln()) * self.idf[*id as usize];
        }
        let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt().max(1e-6);
        for (_, x) in &mut v {
            *x /= norm;
        }
        v
    }

    fn scores(&self, x: &Features) -> Vec<f32> {
        let k = self.labels.len();
        let mut s = self.bias.clone();
        for (id, v) in x {
            let at = *id as usize * k;
            match &self.weights {
                Weights::Trained(w) => {
                    for (sc, w) in s.iter_mut().zip(&w[at..at + k]) {
                        *sc += w * v;
                    }
                }
                Weights::Embedded(b) => {
                    for (sc, w) in s.iter_mut().zip(b[at * 4..(at + k) * 4].chunks_exact(4)) {
                        *sc += f32::from_le_bytes([w[0], w[1], w[2], w[3]]) * v;
                    }
                }
            }
        }
        softmax(&mut s);
        s
    }

    fn fit(&mut self, data: &[(Features, usize)]) {
        let k = self.labels.len();
        if k < 2 || data.is_empty() || !matches!(self.weights, Weights::Trained(_)) {
            return;
        }
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut t = 0f32;
        let decay = data.len() as f32 * 4.0;
        for _ in 0..EPOCHS {
            // Deterministic Fisher-Yates shuffle (xorshift).
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let j = (seed % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
            for &i in &order {
                let (x, y) = &data[i];
                let mut g = self.scores(x);
                let lr = LEARNING_RATE / (1.0 + t / decay);
                t += 1.0;
                g[*y] -= 1.0;
                for (b, gc) in self.bias.iter_mut().zip(&g) {
                    *b -= lr * gc;
                }
                let Weights::Trained(weights) = &mut self.weights else {
                    return;
                };
                for (id, v) in x {
                    let row = &mut weights[*id as usize * k..(*id as usize + 1) * k];
                    for (w, gc) in row.iter_mut().zip(&g) {
                        *w -= lr * (gc * v + L2 * *w);
                    }
                }
            }
        }
    }

    /// Replaces each unknown word by the closest known word (typos: "phnoe", "actvate").
    fn correct(&self, words: &[String]) -> Vec<String> {
        words
            .iter()
            .map(|w| {
                if w.len() < 4
                    || w.bytes().any(|b| b.is_ascii_digit())
                    || self.known_words.binary_search(w).is_ok()
                {
                    return w.clone();
                }
                let max = if w.len() >= 7 { 2 } else { 1 };
                // Typos keep the first letter, or swap it with the second ("fiwrewall").
                let (a, b) = (w.as_bytes()[0], w.as_bytes()[1]);
                self.known_words
                    .iter()
                    .filter(|k| {
                        let kb = k.as_bytes();
                        k.len().abs_diff(w.len()) <= max
                            && k.len() >= 3
                            && (kb[0] == a || (kb[0] == b && kb[1] == a))
                    })
                    .map(|k| (text::edit_distance(w, k, max), k))
                    .filter(|(d, _)| *d <= max)
                    .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
                    .map_or_else(|| w.clone(), |(_, k)| k.clone())
            })
            .collect()
    }

    /// Class probabilities for an utterance, best first.
    pub fn predict(&self, u: &Utterance) -> Vec<(&str, f32)> {
        let corrected = Utterance {
            words: self.correct(&u.words),
            hashed: u.hashed.clone(),
        };
        let x = self.vectorize(&corrected);
        let p = self.scores(&x);
        let mut out: Vec<(&str, f32)> = self.labels.iter().map(String::as_str).zip(p).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }

    /// Number of features in the vocabulary.
    pub fn vocabulary_size(&self) -> usize {
        self.vocab.len()
    }

    /// The labels, sorted.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(String::as_str)
    }

    /// The model as bytes (little-endian): labels, the vocabulary's feature hashes in id order,
    /// IDF, weights, bias, known words. [`Classifier::from_bytes`] reads it back.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + (self.labels.len() + 1) * self.idf.len() * 4);
        out.extend_from_slice(MAGIC);
        let put_len = |out: &mut Vec<u8>, n: usize| {
            out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
        };
        let put_strings = |out: &mut Vec<u8>, v: &[String]| {
            put_len(out, v.len());
            for s in v {
                put_len(out, s.len());
                out.extend_from_slice(s.as_bytes());
            }
        };
        put_strings(&mut out, &self.labels);
        let mut by_id = vec![0u64; self.vocab.len()];
        for (hash, id) in &self.vocab {
            by_id[*id as usize] = *hash;
        }
        put_len(&mut out, by_id.len());
        for h in by_id {
            out.extend_from_slice(&h.to_le_bytes());
        }
        for x in &self.idf {
            out.extend_from_slice(&x.to_le_bytes());
        }
        match &self.weights {
            Weights::Trained(w) => {
                for x in w {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
            Weights::Embedded(b) => out.extend_from_slice(b),
        }
        for x in &self.bias {
            out.extend_from_slice(&x.to_le_bytes());
        }
        put_strings(&mut out, &self.known_words);
        out
    }

    /// Reads a model written by [`Classifier::to_bytes`]; `None` when the bytes are not one.
    /// The weights stay in `bytes`.
    pub fn from_bytes(bytes: &'static [u8]) -> Option<Classifier> {
        let mut r = Reader(bytes.strip_prefix(MAGIC)?);
        let labels = r.strings()?;
        let n = r.len()?;
        let mut vocab = HashMap::with_capacity_and_hasher(n, Default::default());
        for id in 0..n {
            vocab.insert(r.u64()?, u32::try_from(id).ok()?);
        }
        let idf = r.f32s(n)?;
        let weights = Weights::Embedded(r.bytes(n.checked_mul(labels.len())?.checked_mul(4)?)?);
        let bias = r.f32s(labels.len())?;
        let known_words = r.strings()?;
        (r.0.is_empty() && vocab.len() == n).then_some(Classifier {
            vocab,
            known_words,
            idf,
            weights,
            bias,
            labels,
        })
    }
}

/// First bytes of a serialised model (format version 1).
const MAGIC: &[u8] = b"kmsbot-classifier-1\n";

/// Reads the serialised model's fields in order.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.0.get(..n)?;
        self.0 = &self.0[n..];
        Some(bytes)
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(u32::from_le_bytes(self.take()?)).ok()
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take()?))
    }

    fn f32s(&mut self, n: usize) -> Option<Vec<f32>> {
        let bytes = self.0.get(..n.checked_mul(4)?)?;
        self.0 = &self.0[bytes.len()..];
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        let n = self.len()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let len = self.len()?;
            let bytes = self.0.get(..len)?;
            self.0 = &self.0[len..];
            v.push(String::from_utf8(bytes.to_vec()).ok()?);
        }
        Some(v)
    }
}

fn softmax(s: &mut [f32]) {
    let max = s.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for v in s.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in s.iter_mut() {
        *v /= sum.max(1e-12);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let ex = |s: &str, l: &str| (utterance(s, &[]), l.to_string());
        let m = Classifier::train(&[
            ex("hello there", "greet"),
            ex("how many machines for kms", "thresholds"),
        ]);
        let bytes: &'static [u8] = m.to_bytes().leak();
        let back = Classifier::from_bytes(bytes).expect("a model's bytes read back");
        assert_eq!(back.to_bytes(), bytes);
        let u = utterance("hello", &[]);
        assert_eq!(back.predict(&u), m.predict(&u));
        assert!(Classifier::from_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(Classifier::from_bytes(b"not a model").is_none());
    }

    #[test]
    fn separates_two_classes() {
        let ex = |s: &str, l: &str| (utterance(s, &[]), l.to_string());
        let m = Classifier::train(&[
            ex("hello there", "greet"),
            ex("hi", "greet"),
            ex("hey bot", "greet"),
            ex("what is the kms threshold", "thresholds"),
            ex("how many machines for kms", "thresholds"),
            ex("minimum count of clients", "thresholds"),
        ]);
        assert_eq!(m.predict(&utterance("hello", &[]))[0].0, "greet");
        assert_eq!(
            m.predict(&utterance("how many clients does kms need", &[]))[0].0,
            "thresholds"
        );
    }
}
