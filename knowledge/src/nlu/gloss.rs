//! English glosses for the activation words of a message written (partly) in German, French, Spanish, Dutch or Polish, so that the classifier and the patterns, which know English, read it.
//!
//! Only a message with at least two words that are common in those languages and never
//! English ("ich", "wir", "pour", "c'est", "para") is glossed, and only whole words and phrases
//! of a small glossary are replaced; host names, keys, codes and everything else stay as typed.

use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Words that mark a message as German, French or Spanish (accents folded): common words that
/// are not also English words.
const MARKERS: &[&str] = &[
    // German
    "ich",
    "wir",
    "der",
    "das",
    "ist",
    "nicht",
    "wie",
    "welche",
    "welcher",
    "welchen",
    "bitte",
    "kann",
    "kannst",
    "konnen",
    "fur",
    "mit",
    "einen",
    "eine",
    "und",
    "oder",
    "bei",
    "auf",
    "muss",
    "brauche",
    "unser",
    "unseren",
    "unsere",
    "wenn",
    "mein",
    "meine",
    "ein",
    "es",
    "gibt",
    // French
    "je",
    "les",
    "est",
    "pour",
    "quoi",
    "c'est",
    "nous",
    "une",
    "avec",
    "sans",
    "notre",
    "mon",
    "par",
    "pas",
    "faire",
    "trouver",
    "faut",
    "faut-il",
    "qu'est",
    "quel",
    "quelle",
    "j'ai",
    "n'a",
    "on",
    "du",
    "sur",
    "le",
    "la",
    "des",
    // Spanish
    "los",
    "las",
    "para",
    "que",
    "una",
    "del",
    "tengo",
    "nuestro",
    "necesito",
    "puedo",
    "el",
    "tiene",
    "tenemos",
    "activa",
    "muestra",
    "verifico",
    "compruebo",
    "cerrado",
    "abro",
    "dice",
    "hago",
    "esta",
    "cuantas",
    "maquinas",
    "equipos",
    "servidores",
    "telefono",
    // Italian and Portuguese
    "quanto",
    "qual",
    "quale",
    "della",
    "il",
    "per",
    "sono",
    "nao",
    "meu",
    "nosso",
    "nostro",
    "isso",
    "quantas",
    "quantos",
    "precisa",
    "diz",
    "vai",
    "licenca",
    "faco",
    "tem",
    "sem",
    "afeta",
    "errada",
    "preciso",
    "voce",
    "l'",
    "dell'",
    // Dutch
    "ik",
    "mijn",
    "onze",
    "het",
    "een",
    "niet",
    "hoe",
    "welke",
    "wat",
    "moet",
    "hebben",
    "heb",
    "geen",
    "ook",
    "voor",
    "hoeveel",
    "zegt",
    "heeft",
    "bereikbaar",
    "sleutel",
    "geactiveerd",
    "activeren",
    // Polish (accents folded)
    "jak",
    "jaki",
    "jaka",
    "jest",
    "nie",
    "dla",
    "czy",
    "mamy",
    "ile",
    "sie",
    "przez",
    "przy",
    "klucz",
    "klucza",
    "serwer",
    "serwera",
    "trzeba",
    "aktywacja",
    "aktywacji",
    "aktywowac",
    "wersji",
    "wersja",
    // Activation words that are no English word
    "aktivierung",
    "aktivieren",
    "aktiviert",
    "ativacao",
    "ativar",
    "attivazione",
    "attivare",
    "activacion",
    "activar",
    "activer",
    "cle",
    "schlussel",
    "chiave",
    "chave",
    "clave",
];

/// [`MARKERS`] as a set: every message's words are looked up in it.
static MARKER_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| MARKERS.iter().copied().collect());

/// Builds the marker set (`crate::warm_up`).
pub(crate) fn warm_up() {
    LazyLock::force(&MARKER_SET);
}

/// Markers that are also English words: they count only next to a marker that is not.
const ENGLISH_TOO: &[&str] = &[
    "on", "par", "es", "le", "la", "des", "die", "ein", "el", "que",
];

/// Glossary, phrases before the single words they start with (accents folded, lower case).
const GLOSSARY: &[(&str, &str)] = &[
    // German
    ("wie lange", "how long"),
    ("wie viele", "how many"),
    ("wie oft", "how often"),
    ("was bedeutet", "what does mean"),
    ("nicht erreichbar", "unreachable"),
    ("kein internet", "no internet"),
    ("ohne internet", "without internet"),
    ("reicht das", "is that enough"),
    ("per telefon", "by phone"),
    ("wie", "how"),
    ("welche", "which"),
    ("welcher", "which"),
    ("welchen", "which"),
    ("warum", "why"),
    ("wann", "when"),
    ("bleibt", "stays"),
    ("aktiviert", "activated"),
    ("aktivieren", "activate"),
    ("aktiviere", "activate"),
    ("aktivierung", "activation"),
    ("telefonisch", "by phone"),
    ("erreichbar", "reachable"),
    ("fehler", "error"),
    ("fehlermeldung", "error"),
    ("schlussel", "key"),
    ("schluessel", "key"),
    ("lizenz", "licence"),
    ("einrichten", "set up"),
    ("aufsetzen", "set up"),
    ("schritte", "steps"),
    ("befehl", "command"),
    ("befehle", "commands"),
    ("prufen", "check"),
    ("prufe", "check"),
    ("uberprufen", "check"),
    ("brauche", "need"),
    ("brauchen", "need"),
    ("benotige", "need"),
    ("benotigt", "needs"),
    ("braucht", "needs"),
    ("mindestens", "at least"),
    ("systeme", "systems"),
    ("rechner", "computers"),
    ("zeigt", "shows"),
    ("helfen", "help"),
    ("hilfe", "help"),
    ("kannst", "can"),
    ("kann", "can"),
    ("konnen", "can"),
    ("genug", "enough"),
    ("abgelaufen", "expired"),
    ("uhrzeit", "time"),
    ("uhr", "clock"),
    ("anzahl", "count"),
    ("zahler", "count"),
    ("ablaufdatum", "expiration date"),
    // German function words
    ("es gibt", "there is"),
    ("der", "the"),
    ("die", "the"),
    ("das", "the"),
    ("den", "the"),
    ("dem", "the"),
    ("ein", "a"),
    ("eine", "a"),
    ("einen", "a"),
    ("ist", "is"),
    ("ich", "I"),
    ("wir", "we"),
    ("unser", "our"),
    ("unsere", "our"),
    ("unseren", "our"),
    ("unserem", "our"),
    ("mein", "my"),
    ("meine", "my"),
    ("mit", "with"),
    ("fur", "for"),
    ("bei", "at"),
    ("auf", "on"),
    ("und", "and"),
    ("oder", "or"),
    ("nicht", "not"),
    ("wenn", "if"),
    ("bitte", "please"),
    ("muss", "must"),
    ("haben", "have"),
    ("habe", "have"),
    ("gegen", "against"),
    // French
    ("c'est quoi", "what is"),
    ("qu'est-ce que", "what is"),
    ("qu'est ce que", "what is"),
    ("tous les combien", "how often"),
    ("combien de temps", "how long"),
    ("combien", "how many"),
    ("faut-il", "are needed"),
    ("ne repond pas", "does not respond"),
    ("ne repond plus", "does not respond"),
    ("que faire", "what to do"),
    ("ou trouver", "where do I find"),
    ("trouver", "find"),
    ("ma", "my"),
    ("mes", "my"),
    ("par defaut", "default"),
    ("par telephone", "by phone"),
    ("date d'expiration", "expiration date"),
    ("acces internet", "internet access"),
    ("sans internet", "without internet"),
    ("chez microsoft", "with microsoft"),
    ("cle produit", "product key"),
    ("comment", "how"),
    ("pourquoi", "why"),
    ("quel", "which"),
    ("quelle", "which"),
    ("cle", "key"),
    ("cles", "keys"),
    ("clef", "key"),
    ("erreur", "error"),
    ("commande", "command"),
    ("installer", "install"),
    ("activer", "activate"),
    ("active", "activate"),
    ("configurer", "configure"),
    ("verifier", "check"),
    ("voir", "see"),
    ("serveur", "server"),
    ("serveurs", "servers"),
    ("hote", "host"),
    ("telephone", "phone"),
    ("renouvellement", "renewal"),
    ("horloge", "clock"),
    ("pare-feu", "firewall"),
    ("directement", "directly"),
    // French function words
    ("je", "I"),
    ("nous", "we"),
    ("on", "we"),
    ("est", "is"),
    ("la", "the"),
    ("le", "the"),
    ("les", "the"),
    ("un", "a"),
    ("une", "a"),
    ("pour", "to"),
    ("de", "of"),
    ("du", "of the"),
    ("des", "of the"),
    ("sur", "on"),
    ("avec", "with"),
    ("mon", "my"),
    ("notre", "our"),
    ("nos", "our"),
    ("pas", "not"),
    // Spanish
    ("cuanto tiempo", "how long"),
    ("por telefono", "by phone"),
    ("que es", "what is"),
    ("cuantos", "how many"),
    ("como", "how"),
    ("puerto", "port"),
    ("clave", "key"),
    ("activar", "activate"),
    ("servidor", "server"),
    ("comando", "command"),
    ("comandos", "commands"),
    ("no tiene internet", "has no internet"),
    ("no se activa", "does not activate"),
    ("marca de agua", "watermark"),
    ("muestra", "shows"),
    ("activar windows", "activate windows"),
    ("esta activado", "is activated"),
    ("esta activada", "is activated"),
    ("que hago", "what do I do"),
    ("verifico", "check"),
    ("verificar", "check"),
    ("compruebo", "check"),
    ("comprobar", "check"),
    ("cerrado", "closed"),
    ("abro", "open"),
    ("abrir", "open"),
    ("dice", "says"),
    ("licencia", "licence"),
    ("si", "whether"),
    ("lo", "it"),
    ("en", "on"),
    ("sin internet", "without internet"),
    ("cuantas maquinas", "how many machines"),
    ("cuantos equipos", "how many machines"),
    ("cuantos dias", "how many days"),
    ("activacion", "activation"),
    ("activado", "activated"),
    ("activo", "activate"),
    ("telefono", "phone"),
    ("maquinas", "machines"),
    ("equipos", "machines"),
    ("servidores", "servers"),
    ("necesito", "I need"),
    ("funcione", "works"),
    ("funciona", "works"),
    ("hora", "time"),
    ("reloj", "clock"),
    ("clientes", "clients"),
    ("cliente", "client"),
    // Italian and Portuguese
    ("quanto tempo", "how long"),
    ("qual e", "what is"),
    ("dura", "lasts"),
    ("attivazione", "activation"),
    ("attivare", "activate"),
    ("ativacao", "activation"),
    ("ativar", "activate"),
    ("a hora do servidor", "the time of the server"),
    ("a hora", "the time"),
    ("nao tem internet", "has no internet"),
    ("o que faco", "what do I do"),
    ("quantas maquinas", "how many machines"),
    ("quantos servidores", "how many servers"),
    ("quantas", "how many"),
    ("quantos", "how many"),
    ("precisa", "needs"),
    ("marca d'agua", "watermark"),
    ("vai expirar", "will expire"),
    ("em breve", "soon"),
    ("diz que", "says"),
    ("diz", "says"),
    ("licenca", "licence"),
    ("expirar", "expire"),
    ("esta ativado", "is activated"),
    ("status da", "status of the"),
    ("sem internet", "without internet"),
    ("nao ativa", "does not activate"),
    ("ativado", "activated"),
    ("ativa", "activates"),
    ("erro", "error"),
    ("relogio", "clock"),
    ("errada", "wrong"),
    ("errado", "wrong"),
    ("afeta", "affects"),
    ("afecta", "affects"),
    ("isso", "that"),
    ("preciso", "I need"),
    ("liberar", "open"),
    ("chiave", "key"),
    ("chave", "key"),
    ("porta", "port"),
    ("quale", "which"),
    ("qual", "which"),
    ("l'", "the"),
    ("dell'", "of the"),
    ("della", "of the"),
    ("il", "the"),
    ("per", "for"),
    // Spanish function words
    ("el", "the"),
    ("los", "the"),
    ("las", "the"),
    ("una", "a"),
    ("para", "for"),
    ("del", "of the"),
    ("mi", "my"),
    ("nuestro", "our"),
    ("con", "with"),
    ("sin", "without"),
    ("tengo", "I have"),
    ("necesito", "I need"),
    ("puedo", "can I"),
    // Dutch
    ("niet geactiveerd", "not activated"),
    ("hoe lang", "how long"),
    ("hoe vaak", "how often"),
    ("geen internet", "no internet"),
    ("zonder internet", "without internet"),
    ("moet ik", "should I"),
    ("heb ik nodig", "do I need"),
    ("kan ik", "can I"),
    ("hoeveel", "how many"),
    ("hoe", "how"),
    ("welke", "which"),
    ("wat", "what"),
    ("waarom", "why"),
    ("wanneer", "when"),
    ("geactiveerd", "activated"),
    ("activeren", "activate"),
    ("activering", "activation"),
    ("activatie", "activation"),
    ("sleutel", "key"),
    ("poort", "port"),
    ("foutmelding", "error"),
    ("fout", "error"),
    ("bereikbaar", "reachable"),
    ("controleren", "check"),
    ("checken", "check"),
    ("eerst", "first"),
    ("nodig", "need"),
    ("zelf", "itself"),
    ("zegt", "says"),
    ("kan", "can"),
    ("heeft", "has"),
    ("hebben", "have"),
    ("heb", "have"),
    ("geen", "no"),
    ("ook", "also"),
    ("voordat", "before"),
    ("bij", "at"),
    ("moet", "must"),
    ("ik", "I"),
    ("mijn", "my"),
    ("onze", "our"),
    ("het", "the"),
    ("een", "a"),
    ("voor", "for"),
    ("niet", "not"),
    // Polish
    ("nie jest aktywowany", "is not activated"),
    ("nie jest aktywowana", "is not activated"),
    ("jaki jest", "what is"),
    ("jaka jest", "what is"),
    ("co robic", "what to do"),
    ("przez internet", "online"),
    ("przez telefon", "by phone"),
    ("a dla", "and for"),
    ("ile dni", "how many days"),
    ("jak dlugo", "how long"),
    ("jak", "how"),
    ("jaki", "which"),
    ("jaka", "which"),
    ("ile", "how many"),
    ("czy", "or"),
    ("dla", "for"),
    ("klucz", "key"),
    ("klucza", "key"),
    ("serwer", "server"),
    ("serwera", "server"),
    ("serwery", "servers"),
    ("serwerow", "servers"),
    ("aktywacja", "activation"),
    ("aktywacji", "activation"),
    ("aktywowac", "activate"),
    ("aktywowany", "activated"),
    ("aktywowana", "activated"),
    ("sprawdzic", "check"),
    ("blad", "error"),
    ("bledu", "error"),
    ("trwa", "lasts"),
    ("zanim", "before"),
    ("trzeba", "must"),
    ("odnowic", "renew"),
    ("dziala", "works"),
    ("wersji", "version"),
    ("wersja", "version"),
    ("mamy", "we have"),
    ("jest", "is"),
    ("nie", "not"),
    ("przy", "at"),
];

/// Lower case without accents ("Schlüssel" -> "schlussel", "défaut" -> "defaut", "błąd" -> "blad").
fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| crate::text::ascii_letter(c).unwrap_or(c))
        .collect()
}

/// The words of `text` with their byte ranges; a word is letters with inner apostrophes or
/// hyphens ("c'est", "pare-feu"), and words inside a dotted name, a path or a command option
/// ("kms.firma.intern", "-DomainName") are left out.
fn words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].1.is_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].1.is_alphabetic()
                || (matches!(chars[i].1, '\'' | '\u{2019}' | '-')
                    && chars.get(i + 1).is_some_and(|c| c.1.is_alphabetic())))
        {
            i += 1;
        }
        let before = start.checked_sub(1).map(|j| chars[j].1);
        let after = chars.get(i).map(|c| c.1);
        let after2 = chars.get(i + 1).map(|c| c.1);
        let in_name = matches!(before, Some('.' | '-' | '_' | '/' | '\\' | '@' | ':'))
            || matches!(after, Some('_' | '/' | '\\' | '@'))
            || (after == Some('.') && after2.is_some_and(char::is_alphanumeric));
        if !in_name {
            let (b, e) = (chars[start].0, chars.get(i).map_or(text.len(), |c| c.0));
            let word = fold(&text[b..e]);
            // An elided article or preposition ("l'attivazione", "d'expiration") is a word
            // of its own, unless the glossary knows the whole ("c'est", "qu'est").
            let known = || {
                MARKER_SET.contains(word.as_str())
                    || GLOSSARY
                        .iter()
                        .any(|(p, _)| p.split(' ').any(|w| w == word))
            };
            match word.find('\'').filter(|at| *at <= 4 && !known()) {
                Some(at) => {
                    out.push((b, b + at + 1, word[..=at].to_string()));
                    out.push((b + at + 1, e, word[at + 1..].to_string()));
                }
                None => out.push((b, e, word)),
            }
        }
    }
    out
}

/// `text` with the glossary's English in place of its German, French or Spanish activation
/// words, when it is written in one of those languages; otherwise `text` unchanged.
pub fn english(text: &str) -> Cow<'_, str> {
    let ws = words(text);
    let mut markers: Vec<&str> = ws
        .iter()
        .filter_map(|(_, _, w)| MARKER_SET.get(w.as_str()).copied())
        .collect();
    markers.sort_unstable();
    markers.dedup();
    let foreign = markers.iter().filter(|m| !ENGLISH_TOO.contains(m)).count();
    if foreign == 0 || markers.len() < 2 {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut copied = 0;
    let mut i = 0;
    while i < ws.len() {
        let hit = GLOSSARY.iter().find_map(|(phrase, english)| {
            let n = phrase.split(' ').count();
            let span = ws.get(i..i + n)?;
            // The words of a phrase follow each other with only spaces between them.
            let adjacent = span
                .windows(2)
                .all(|p| text[p[0].1..p[1].0].chars().all(char::is_whitespace));
            (adjacent && phrase.split(' ').zip(span).all(|(a, (_, _, w))| a == w))
                .then_some((n, *english))
        });
        match hit {
            Some((n, english)) => {
                out.push_str(&text[copied..ws[i].0]);
                out.push_str(english);
                // "l'attivazione": the gloss of the elided word needs a space after it.
                if ws[i + n - 1].2.ends_with('\'') {
                    out.push(' ');
                }
                copied = ws[i + n - 1].1;
                i += n;
            }
            None => i += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::english;

    #[test]
    fn glosses_german_and_french_only() {
        assert_eq!(
            english(
                "Wie lange bleibt ein Client aktiviert, wenn der KMS Server nicht erreichbar ist?"
            ),
            "how long stays a Client activated, if the KMS Server unreachable is?"
        );
        assert_eq!(
            english("salut, c'est quoi le port par défaut du serveur KMS?"),
            "salut, what is the port default of the server KMS?"
        );
        // An elided article is a word of its own.
        assert_eq!(
            english("quanto tempo dura l'attivazione KMS?"),
            "how long lasts the activation KMS?"
        );
        // English stays as it is, even with a word that is also French.
        let en = "how do I comment out the line on the KMS host?";
        assert_eq!(english(en), en);
        // Dutch and Polish (Polish letters folded).
        assert_eq!(
            english("welke poort moet open voor kms?"),
            "which port must open for kms?"
        );
        assert_eq!(
            english("jaki jest klucz dla Windows 11 Education"),
            "what is key for Windows 11 Education"
        );
        assert_eq!(english("25 czy 5 dla serwerów?"), "25 or 5 for servers?");
        // Names keep their words.
        assert!(
            english("ich brauche den Befehl für kms.wie.intern bitte").contains("kms.wie.intern")
        );
    }
}
