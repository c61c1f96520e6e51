//! A linear intent classifier: TF-IDF over word n-grams, character n-grams and slot features, multinomial logistic regression trained at start-up.
//!
//! The shape is Snips NLU's probabilistic intent parser, scaled to a narrow domain: a few
//! hundred labelled utterances (`data/intents.toml`), a "none" class trained on near-miss
//! sentences, and softmax probabilities used for abstaining and for clarifying questions.
//! Training is deterministic (fixed order, fixed seed) so answers never change between runs.

use std::collections::HashMap;

use crate::text;

/// Character n-gram sizes taken from each word (with boundary markers).
const CHAR_NGRAMS: [usize; 2] = [3, 4];
/// Training epochs of stochastic gradient descent.
const EPOCHS: usize = 40;
/// Initial learning rate (decays as 1/(1 + t/decay)).
const LEARNING_RATE: f32 = 0.6;
/// L2 regularisation strength.
const L2: f32 = 2e-5;

/// Sparse feature vector: (feature id, value), L2-normalised.
pub type Features = Vec<(u32, f32)>;

/// The trained model.
#[derive(Debug)]
pub struct Classifier {
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
    /// Row-major weights: class × feature.
    weights: Vec<f32>,
    bias: Vec<f32>,
    labels: Vec<String>,
}

/// Raw feature strings of one utterance (before vocabulary lookup).
pub fn feature_strings(utterance: &str, slot_features: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let words = text::tokens(utterance, true);
    for w in &words {
        out.push(format!("w:{w}"));
    }
    for pair in words.windows(2) {
        out.push(format!("b:{} {}", pair[0], pair[1]));
    }
    let lower = utterance.to_lowercase().replace(['\u{2019}', '\''], "");
    for raw in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        // Digits carry identity (years, ports) in words, not in character shapes.
        if raw.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let padded: Vec<char> = format!("<{raw}>").chars().collect();
        for n in CHAR_NGRAMS {
            if padded.len() < n {
                continue;
            }
            for win in padded.windows(n) {
                out.push(format!("c:{}", win.iter().collect::<String>()));
            }
        }
    }
    for s in slot_features {
        out.push(format!("s:{s}"));
        // Slots weigh more than a single n-gram.
        out.push(format!("s:{s}"));
    }
    out
}

impl Classifier {
    /// Trains on `(utterance feature strings, label)` pairs.
    pub fn train(examples: &[(Vec<String>, String)]) -> Classifier {
        let mut labels: Vec<String> = examples.iter().map(|(_, l)| l.clone()).collect();
        labels.sort();
        labels.dedup();
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        for (feats, _) in examples {
            let mut seen: Vec<u32> = Vec::new();
            for f in feats {
                let next = u32::try_from(vocab.len()).unwrap_or(u32::MAX);
                let id = *vocab.entry(f.clone()).or_insert(next);
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
            weights: vec![0.0; labels.len() * vocab.len()],
            bias: vec![0.0; labels.len()],
            vocab,
            idf,
            labels,
        };
        let data: Vec<(Features, usize)> = examples
            .iter()
            .map(|(feats, label)| {
                let y = model.labels.iter().position(|l| l == label).unwrap_or(0);
                (model.vectorize(feats), y)
            })
            .collect();
        model.fit(&data);
        model
    }

    /// TF-IDF vector of known features, L2-normalised.
    pub fn vectorize(&self, feats: &[String]) -> Features {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        for f in feats {
            if let Some(id) = self.vocab.get(f) {
                *counts.entry(*id).or_default() += 1.0;
            }
        }
        let mut v: Features = counts
            .into_iter()
            .map(|(id, tf)| (id, (1.0 + tf.ln()) * self.idf[id as usize]))
            .collect();
        v.sort_unstable_by_key(|(id, _)| *id);
        let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt().max(1e-6);
        for (_, x) in &mut v {
            *x /= norm;
        }
        v
    }

    fn scores(&self, x: &Features) -> Vec<f32> {
        let n = self.vocab.len();
        let mut s = self.bias.clone();
        for (c, sc) in s.iter_mut().enumerate() {
            let row = &self.weights[c * n..(c + 1) * n];
            for (id, v) in x {
                *sc += row[*id as usize] * v;
            }
        }
        softmax(&mut s);
        s
    }

    fn fit(&mut self, data: &[(Features, usize)]) {
        let n = self.vocab.len();
        let k = self.labels.len();
        if k < 2 || data.is_empty() {
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
                let p = self.scores(x);
                let lr = LEARNING_RATE / (1.0 + t / decay);
                t += 1.0;
                for (c, pc) in p.iter().enumerate().take(k) {
                    let g = pc - if c == *y { 1.0 } else { 0.0 };
                    self.bias[c] -= lr * g;
                    let row = &mut self.weights[c * n..(c + 1) * n];
                    for (id, v) in x {
                        let w = &mut row[*id as usize];
                        *w -= lr * (g * v + L2 * *w);
                    }
                }
            }
        }
    }

    /// Replaces an unknown word feature by the closest known word (typos: "phnoe", "actvate").
    fn correct(&self, feats: &[String]) -> Vec<String> {
        feats
            .iter()
            .map(|f| {
                let Some(w) = f.strip_prefix("w:") else {
                    return f.clone();
                };
                if self.vocab.contains_key(f)
                    || w.len() < 4
                    || w.chars().any(|c| c.is_ascii_digit())
                {
                    return f.clone();
                }
                let max = if w.len() >= 7 { 2 } else { 1 };
                let best = self
                    .vocab
                    .keys()
                    .filter_map(|k| k.strip_prefix("w:"))
                    .filter(|k| k.len().abs_diff(w.len()) <= max && k.len() >= 3)
                    .map(|k| (text::edit_distance(w, k, max), k))
                    .filter(|(d, _)| *d <= max)
                    .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
                match best {
                    Some((_, k)) => format!("w:{k}"),
                    None => f.clone(),
                }
            })
            .collect()
    }

    /// Class probabilities for an utterance, best first.
    pub fn predict(&self, feats: &[String]) -> Vec<(&str, f32)> {
        let feats = self.correct(feats);
        let x = self.vectorize(&feats);
        let p = self.scores(&x);
        let mut out: Vec<(&str, f32)> = self.labels.iter().map(String::as_str).zip(p).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }

    /// Number of features in the vocabulary.
    pub fn vocabulary_size(&self) -> usize {
        self.vocab.len()
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
    fn separates_two_classes() {
        let ex = |s: &str, l: &str| (feature_strings(s, &[]), l.to_string());
        let m = Classifier::train(&[
            ex("hello there", "greet"),
            ex("hi", "greet"),
            ex("hey bot", "greet"),
            ex("what is the kms threshold", "thresholds"),
            ex("how many machines for kms", "thresholds"),
            ex("minimum count of clients", "thresholds"),
        ]);
        assert_eq!(m.predict(&feature_strings("hello", &[]))[0].0, "greet");
        assert_eq!(
            m.predict(&feature_strings("how many clients does kms need", &[]))[0].0,
            "thresholds"
        );
    }
}
