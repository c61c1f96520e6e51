//! Group commit of plain answers: questions answered before the writer is taken wait here, and
//! one task writes every answer waiting in one transaction and one round trip
//! ([`Store::commit_answers`]), so many events share a hold of the single writer.
//!
//! Only a plain knowledge-base answer goes this way (the `App` decides that, from the place as
//! a reader saw it); an answer that cannot be written as worked out (a duplicate event, a
//! context that changed meanwhile) comes back as `None` and takes the ordinary turn.

use crate::store::{PreparedAnswer, Store, StoreError, ANSWERS_MAX};
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// Answers waiting for the committer; more wait for room.
const QUEUE: usize = 256;

type Done = oneshot::Sender<Result<Option<i64>, String>>;

/// The committer handle (one per `App`).
pub struct AnswerCommit {
    store: Store,
    /// Started at first use, on the runtime that uses it.
    tx: OnceLock<mpsc::Sender<(PreparedAnswer, Done)>>,
}

impl AnswerCommit {
    /// A committer over `store` (its task starts with the first answer).
    pub fn new(store: Store) -> AnswerCommit {
        AnswerCommit {
            store,
            tx: OnceLock::new(),
        }
    }

    /// Writes `answer`'s whole turn with whatever else is waiting: the reply's message id, or
    /// `None` when nothing of it was written (see the module's comment).
    pub async fn commit(&self, answer: PreparedAnswer) -> Result<Option<i64>, StoreError> {
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.store.clone(), rx));
            tx
        });
        let (done, rx) = oneshot::channel();
        let closed = || StoreError::Query(sqlx::Error::PoolClosed);
        tx.send((answer, done)).await.map_err(|_| closed())?;
        match rx.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => Err(StoreError::Query(sqlx::Error::Protocol(e))),
            Err(_) => Err(closed()),
        }
    }
}

/// The committer: takes everything waiting (up to [`ANSWERS_MAX`]) and writes it at once.
async fn run(store: Store, mut rx: mpsc::Receiver<(PreparedAnswer, Done)>) {
    let mut batch = Vec::with_capacity(ANSWERS_MAX);
    while rx.recv_many(&mut batch, ANSWERS_MAX).await > 0 {
        let (answers, dones): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        match store.commit_answers(&answers).await {
            Ok(ids) => {
                for (done, id) in dones.into_iter().zip(ids) {
                    let _ = done.send(Ok(id));
                }
            }
            Err(e) => {
                let e = e.to_string();
                for done in dones {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}
