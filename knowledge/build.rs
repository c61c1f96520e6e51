//! Trains the intent classifier on `data/intents.toml` and writes it to `OUT_DIR/classifier.bin`, which the library embeds (start-up reads the weights instead of training); writes the validated fact tables to `OUT_DIR/tables.json` likewise.
//!
//! The features and the training are the library's own code: its source files are included
//! here as modules (`#[path]`), so the model is exactly what training at run time would give
//! (`nlu::tests::embedded_classifier_is_the_one_training_gives` checks it).

#[allow(dead_code)]
#[path = "src/editions.rs"]
mod editions;
#[allow(dead_code)]
#[path = "src/facts.rs"]
mod facts;
#[allow(dead_code)]
#[path = "src/pattern.rs"]
mod pattern;
#[allow(dead_code)]
#[path = "src/text.rs"]
mod text;

#[allow(dead_code)]
#[path = "src/nlu"]
mod nlu {
    pub mod classifier;
    pub mod dli;
    pub mod slots;
    pub mod training;
}

/// The library's error type, as far as the included modules use it.
#[allow(dead_code)]
#[derive(Debug)]
enum KbError {
    Article {
        file: String,
        line: usize,
        message: String,
    },
    Table {
        file: String,
        line: usize,
        message: String,
    },
}

fn main() {
    // Everything the model depends on: the utterances, the code that turns them into features
    // (slots read the fact tables) and the training.
    for path in [
        "data",
        "src/editions.rs",
        "src/facts.rs",
        "src/text.rs",
        "src/nlu/classifier.rs",
        "src/nlu/dli.rs",
        "src/nlu/slots.rs",
        "src/nlu/training.rs",
        "build.rs",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    let training = match std::fs::read_to_string("data/intents.toml") {
        Ok(t) => t,
        Err(e) => panic!("cannot read data/intents.toml: {e}"),
    };
    let examples = match nlu::training::examples(&training) {
        Ok(x) => x,
        Err(e) => panic!("data/intents.toml: {e:?}"),
    };
    let model = nlu::classifier::Classifier::train(&examples).to_bytes();
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    let out = std::path::Path::new(&out_dir).join("classifier.bin");
    if let Err(e) = std::fs::write(&out, model) {
        panic!("cannot write {}: {e}", out.display());
    }
    // The fact tables, parsed and validated here, as JSON: the library reads that in a fraction
    // of the time parsing the TOML takes at every start (`tests::embedded_tables_are_the_files`).
    let tables = match facts::Tables::builtin() {
        Ok(t) => t,
        Err(e) => panic!("fact tables: {e:?}"),
    };
    let json = match serde_json::to_vec(&tables) {
        Ok(j) => j,
        Err(e) => panic!("fact tables as JSON: {e}"),
    };
    let out = std::path::Path::new(&out_dir).join("tables.json");
    if let Err(e) = std::fs::write(&out, json) {
        panic!("cannot write {}: {e}", out.display());
    }
}
