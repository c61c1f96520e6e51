//! A bounded memo of knowledge-base answers, so a question asked again in the same context is
//! answered without running the knowledge base's rules a second time.
//!
//! An answer depends on three things only: the message's text, the thread's knowledge context
//! (`knowledge::Context`, the previous answer's) and the configured KMS host and port. The
//! knowledge base is built once at start and never changes, and the configuration is fixed for
//! the `App`'s life, so the key is the text and the context; an entry never goes stale. The
//! most common messages ("srv 2019 dc", "0xC004F074") repeat across users and channels, and each
//! answer costs some hundreds of microseconds, most of it pattern scans over the text.

use std::num::NonZeroUsize;
use std::sync::Mutex;

/// The memo: the least recently used answer makes room.
pub struct AnswerCache {
    answers: Mutex<lru::LruCache<String, knowledge::Answer>>,
}

impl std::fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerCache")
            .field("len", &self.lock().len())
            .finish()
    }
}

impl Default for AnswerCache {
    fn default() -> Self {
        AnswerCache::new(AnswerCache::CAPACITY)
    }
}

impl AnswerCache {
    /// Answers kept: an answer is a kilobyte or two of text with its sources and context, so
    /// the memo stays under about 2 MiB.
    pub const CAPACITY: NonZeroUsize = NonZeroUsize::MIN.saturating_add(1023);

    /// A memo of at most `capacity` answers.
    pub fn new(capacity: NonZeroUsize) -> AnswerCache {
        AnswerCache {
            answers: Mutex::new(lru::LruCache::new(capacity)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, knowledge::Answer>> {
        // A panic while the lock was held leaves at worst a missing entry: keep going.
        self.answers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The key: the context as JSON, then the text (the unit separator occurs in neither's
    /// JSON, and a text holding one only makes a key that no other pair makes).
    fn key(text: &str, ctx: Option<&knowledge::Context>) -> String {
        let mut key = match ctx {
            // `Context` is plain data: serializing it cannot fail.
            Some(c) => serde_json::to_string(c).unwrap_or_default(),
            None => String::new(),
        };
        key.push('\u{1f}');
        key.push_str(text);
        key
    }

    /// The answer to `text` in `ctx`: remembered, or worked out by `answer` and remembered.
    pub fn get_or_answer(
        &self,
        text: &str,
        ctx: Option<&knowledge::Context>,
        answer: impl FnOnce() -> knowledge::Answer,
    ) -> knowledge::Answer {
        let key = Self::key(text, ctx);
        if let Some(a) = self.lock().get(&key) {
            return a.clone();
        }
        // Worked out without the lock held: two turns asking the same question at once both
        // work it out, and the second's copy replaces the first's (they are the same).
        let a = answer();
        self.lock().put(key, a.clone());
        a
    }

    /// Answers remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_reused_only_for_the_same_text_in_the_same_context() {
        let kb = knowledge::KnowledgeBase::builtin().expect("builtin KB");
        let cache = AnswerCache::default();
        let mut worked = 0;
        let mut ask = |text: &str, ctx: Option<&knowledge::Context>| {
            cache.get_or_answer(text, ctx, || {
                worked += 1;
                kb.answer(text, ctx)
            })
        };
        let first = ask("kms key for srv 2019 dc", None);
        let again = ask("kms key for srv 2019 dc", None);
        assert_eq!(first.text, again.text);
        // A follow-up: its answer depends on the context, which is part of the key.
        let ctx = first.context.clone();
        let std_in_thread = ask("and for standard?", ctx.as_ref());
        let std_alone = ask("and for standard?", None);
        assert!(std_in_thread.text.contains("N69G4-B89J2-4G8F4-WWYCC-J464C"));
        assert_ne!(std_in_thread.text, std_alone.text);
        assert_eq!(
            ask("and for standard?", ctx.as_ref()).text,
            std_in_thread.text
        );
        assert_eq!(worked, 3, "three distinct (text, context) pairs");
    }

    #[test]
    fn the_least_recently_used_answer_makes_room() {
        let cache = AnswerCache::new(NonZeroUsize::MIN.saturating_add(1));
        let kb = knowledge::KnowledgeBase::builtin().expect("builtin KB");
        for q in [
            "0xC004F074",
            "what port does kms use",
            "0xC004F074",
            "srv 2019 dc",
        ] {
            cache.get_or_answer(q, None, || kb.answer(q, None));
        }
        assert_eq!(cache.len(), 2);
        let mut worked = false;
        cache.get_or_answer("0xC004F074", None, || {
            worked = true;
            kb.answer("0xC004F074", None)
        });
        assert!(!worked, "used most recently but one: still there");
        cache.get_or_answer("what port does kms use", None, || {
            worked = true;
            kb.answer("what port does kms use", None)
        });
        assert!(worked, "least recently used: gone");
    }
}
