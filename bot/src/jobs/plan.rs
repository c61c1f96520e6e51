//! Activation plans: the guide's steps as exact command lines, and how each step's result is judged.
//!
//! Plans are built only from validated values (a GVLK from Microsoft's table, a checked host and
//! port); product keys that are not public GVLKs never appear in a plan: the step carries a secret
//! reference, and the display form shows `[redacted]`.

use crate::product_key::ProductKey;
use crate::shells::SLMGR;
use crate::validate;

pub use crate::states::Check;

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What it does, for people.
    pub name: String,
    /// The command line as shown and recorded (a secret key appears as `[redacted]`).
    pub command: String,
    /// Where the secret that replaces `[redacted]` comes from (`env:NAME` / `file:PATH`).
    pub secret_ref: Option<String>,
    /// How the result is judged.
    pub check: Check,
    /// Runs even when an earlier step failed or the job was cancelled (restoring state).
    pub always: bool,
    /// For an always-run step: the 1-based step whose change it undoes; it runs only if that
    /// step ran.
    pub undoes: Option<usize>,
    /// For a step that is not idempotent: a read-only command whose exit status 0 means the
    /// change is already in place. When the step is resumed after it was started without a
    /// recorded result, the probe runs first and the step is not repeated if it succeeds.
    pub probe: Option<String>,
}

impl Step {
    fn new(name: &str, command: String, check: Check) -> Step {
        Step {
            name: name.into(),
            command,
            secret_ref: None,
            check,
            always: false,
            undoes: None,
            probe: None,
        }
    }
}

/// A refusal to build a plan from unchecked values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// The placeholder a secret key is shown as.
pub use crate::product_key::REDACTED;

/// A well-formed product key in canonical form. The error never repeats the value: it may be a
/// private key read from a secret reference.
fn check_key(key: &str) -> Result<ProductKey, PlanError> {
    ProductKey::parse(key).ok_or_else(|| {
        PlanError(
            "the key is not a product key of the form XXXXX-XXXXX-XXXXX-XXXXX-XXXXX (its value is not shown)"
                .into(),
        )
    })
}

fn host_port(host: &str, port: u16) -> Result<String, PlanError> {
    if !validate::host(host) {
        return Err(PlanError(format!(
            "`{host}` is not a host name or IP address"
        )));
    }
    if port == 0 {
        return Err(PlanError("port 0 is not a TCP port".into()));
    }
    Ok(if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

/// The KMS client plan (design section 7): key, KMS host, time sync, activate, restore time, verify.
pub fn kms_client(gvlk: &str, host: &str, port: u16) -> Result<Vec<Step>, PlanError> {
    let gvlk = check_key(gvlk)?;
    let gvlk = gvlk.as_str();
    let target = host_port(host, port)?;
    let mut restore = Step::new(
        "restore the time source",
        "w32tm /config /manualpeerlist:time.windows.com /update".into(),
        Check::ExitZero,
    );
    restore.always = true;
    restore.undoes = Some(4);
    Ok(vec![
        Step::new(
            "install the KMS client setup key",
            format!("{SLMGR} /ipk {gvlk}"),
            Check::Slmgr,
        ),
        Step::new(
            "point the instance at the KMS host",
            format!("{SLMGR} /skms {target}"),
            Check::Slmgr,
        ),
        Step::new(
            "start the time service",
            "net start w32time".into(),
            Check::ServiceStart,
        ),
        Step::new(
            "use the KMS host as time source",
            format!("w32tm /config /manualpeerlist:{host} /update"),
            Check::ExitZero,
        ),
        Step::new(
            "synchronize the clock",
            "w32tm /resync".into(),
            Check::ExitZero,
        ),
        Step::new("activate", format!("{SLMGR} /ato"), Check::Slmgr),
        restore,
        Step::new(
            "verify the licence status",
            format!("{SLMGR} /dli"),
            Check::Licensed,
        ),
    ])
}

/// The name of the Windows firewall rule that opens tcp/1688 on a KMS host.
pub const KMS_RULE: &str = "KMS";

/// The KMS host plan: install and activate the host key (from a secret reference), restart the
/// Software Protection service, open tcp/1688 in the Windows firewall, verify.
pub fn kms_host(secret_ref: &str) -> Vec<Step> {
    let mut ipk = Step::new(
        "install the KMS host key",
        format!("{SLMGR} /ipk {REDACTED}"),
        Check::Slmgr,
    );
    ipk.secret_ref = Some(secret_ref.to_string());
    // Adding a rule twice adds a second rule: after a resume, look for it first.
    let mut firewall = Step::new(
        "open tcp/1688 for KMS clients",
        format!("netsh advfirewall firewall add rule name=\"{KMS_RULE}\" dir=in action=allow protocol=TCP localport=1688"),
        Check::ExitZero,
    );
    firewall.probe = Some(format!(
        "netsh advfirewall firewall show rule name=\"{KMS_RULE}\""
    ));
    vec![
        ipk,
        Step::new(
            "activate the KMS host key",
            format!("{SLMGR} /ato"),
            Check::Slmgr,
        ),
        Step::new(
            "restart the Software Protection service",
            "net stop sppsvc && net start sppsvc".into(),
            Check::ExitZero,
        ),
        firewall,
        Step::new(
            "verify the licence status",
            format!("{SLMGR} /dli"),
            Check::Licensed,
        ),
    ]
}

/// Online activation: optionally install the instance's own key (from a secret reference), then
/// activate and verify.
pub fn online(secret_ref: Option<&str>) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(r) = secret_ref {
        let mut ipk = Step::new(
            "install the product key",
            format!("{SLMGR} /ipk {REDACTED}"),
            Check::Slmgr,
        );
        ipk.secret_ref = Some(r.to_string());
        steps.push(ipk);
    }
    steps.push(Step::new(
        "activate online",
        format!("{SLMGR} /ato"),
        Check::Slmgr,
    ));
    steps.push(Step::new(
        "verify the licence status",
        format!("{SLMGR} /dli"),
        Check::Licensed,
    ));
    steps
}

/// The command to run: the display form with `[redacted]` replaced by the secret key, which must
/// itself be a well-formed product key.
pub fn real_command(command: &str, secret: Option<&str>) -> Result<String, PlanError> {
    match secret {
        None => Ok(command.to_string()),
        Some(key) => {
            let key = check_key(key)?;
            Ok(command.replace(REDACTED, key.as_str()))
        }
    }
}

/// The activation error code in a step's output (`0xC004F074`), normalized to upper case.
pub fn error_code(output: &str) -> Option<String> {
    // Work on bytes: the output may hold any UTF-8 (or U+FFFD from a lossy decode) right after a
    // hex run, and slicing the `str` there would panic on a char boundary.
    output.as_bytes().windows(10).find_map(|w| {
        let (prefix, hex) = w.split_at(2);
        let is_prefix = prefix[0] == b'0' && (prefix[1] == b'x' || prefix[1] == b'X');
        (is_prefix && hex.iter().all(u8::is_ascii_hexdigit)).then(|| {
            let digits: String = hex
                .iter()
                .map(|b| char::from(b.to_ascii_uppercase()))
                .collect();
            format!("0x{digits}")
        })
    })
}

/// Judges a step's result: `Ok(())` or `Err((error code, what went wrong))`.
pub fn judge(
    check: Check,
    exit: Option<u32>,
    output: &str,
) -> Result<(), (Option<String>, String)> {
    let code = error_code(output);
    let has_error_line = output.lines().any(|l| l.trim_start().starts_with("Error:"));
    match check {
        Check::Slmgr => {
            if has_error_line || code.is_some() && exit != Some(0) {
                Err((code, first_error_line(output)))
            } else if exit == Some(0) {
                Ok(())
            } else {
                Err((code, format!("exit status {}", exit_text(exit))))
            }
        }
        Check::ServiceStart => {
            let already =
                output.contains("already been started") || output.contains("HELPMSG 2182");
            match exit {
                Some(0) => Ok(()),
                Some(2) if already => Ok(()),
                _ => Err((
                    code,
                    format!("exit status {}: {}", exit_text(exit), first_line(output)),
                )),
            }
        }
        Check::ExitZero => match exit {
            Some(0) => Ok(()),
            _ => Err((
                code,
                format!("exit status {}: {}", exit_text(exit), first_line(output)),
            )),
        },
        Check::Licensed => {
            if exit == Some(0) && output.contains("License Status: Licensed") {
                Ok(())
            } else {
                Err((code, "the licence status is not `Licensed`".into()))
            }
        }
    }
}

fn exit_text(exit: Option<u32>) -> String {
    exit.map(|e| e.to_string()).unwrap_or_else(|| "none".into())
}

fn first_line(output: &str) -> String {
    output
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

fn first_error_line(output: &str) -> String {
    output
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("Error:"))
        .map(|l| l.chars().take(200).collect())
        .unwrap_or_else(|| first_line(output))
}

/// Replaces every product key in output with `[redacted]` (any case, dashes or spacing), except
/// the public GVLKs in `allowed`.
pub fn redact(output: &str, allowed: &[&str]) -> String {
    crate::product_key::redact(output, allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kms_plan_is_the_guide_in_order() {
        let steps = kms_client("WMDGN-G9PQG-XVVXX-R3X43-63DFG", "kms.corp.example", 1688).unwrap();
        let cmds: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(
            cmds,
            vec![
                r"cscript //nologo %SystemRoot%\System32\slmgr.vbs /ipk WMDGN-G9PQG-XVVXX-R3X43-63DFG",
                r"cscript //nologo %SystemRoot%\System32\slmgr.vbs /skms kms.corp.example:1688",
                "net start w32time",
                "w32tm /config /manualpeerlist:kms.corp.example /update",
                "w32tm /resync",
                r"cscript //nologo %SystemRoot%\System32\slmgr.vbs /ato",
                "w32tm /config /manualpeerlist:time.windows.com /update",
                r"cscript //nologo %SystemRoot%\System32\slmgr.vbs /dli",
            ]
        );
        assert!(steps[6].always);
        assert_eq!(steps[6].undoes, Some(4));
        assert!(steps[3]
            .command
            .contains("/manualpeerlist:kms.corp.example"));
        let v6 = kms_client("WMDGN-G9PQG-XVVXX-R3X43-63DFG", "2001:db8::5", 1688).unwrap();
        assert!(v6[1].command.ends_with("/skms [2001:db8::5]:1688"));
    }

    #[test]
    fn plans_refuse_unchecked_values() {
        assert!(kms_client("WMDGN-G9PQG-XVVXX-R3X43-63DFG", "kms;calc", 1688).is_err());
        assert!(kms_client("WMDGN-G9PQG-XVVXX-R3X43-63DF&", "kms", 1688).is_err());
        assert!(real_command("x /ipk [redacted]", Some("ABC & del")).is_err());
    }

    #[test]
    fn judging() {
        assert!(judge(
            Check::Slmgr,
            Some(0),
            "Installed product key X successfully."
        )
        .is_ok());
        let e = judge(
            Check::Slmgr,
            Some(0),
            "Activating Windows(R)...\r\nError: 0xC004F074 The Software Licensing Service reported...",
        )
        .unwrap_err();
        assert_eq!(e.0.as_deref(), Some("0xC004F074"));
        assert!(judge(Check::ServiceStart, Some(2), "The requested service has already been started.\r\n\r\nMore help is available by typing NET HELPMSG 2182.").is_ok());
        assert!(judge(Check::ServiceStart, Some(2), "System error 5 has occurred.").is_err());
        assert!(judge(
            Check::Licensed,
            Some(0),
            "Name: x\r\nLicense Status: Licensed"
        )
        .is_ok());
        assert!(judge(Check::Licensed, Some(0), "License Status: Notification").is_err());
        assert!(judge(Check::ExitZero, None, "").is_err());
    }

    #[test]
    fn redaction_keeps_gvlks_and_hides_other_keys() {
        let out =
            "Installed product key ABCDE-FGHIJ-KLMNO-PQRST-UVWXY and WMDGN-G9PQG-XVVXX-R3X43-63DFG";
        assert_eq!(
            redact(out, &["WMDGN-G9PQG-XVVXX-R3X43-63DFG"]),
            "Installed product key [redacted] and WMDGN-G9PQG-XVVXX-R3X43-63DFG"
        );
        assert_eq!(error_code("Error: 0xc004f074 x"), Some("0xC004F074".into()));
    }

    #[test]
    fn multi_byte_characters_around_hex_runs_do_not_panic() {
        // A multi-byte character where the 8 hex digits would end, after and before a code.
        assert_eq!(error_code("0x1234567é"), None);
        assert_eq!(error_code("Error: 0x1234567\u{FFFD}\u{FFFD}"), None);
        assert_eq!(error_code("é0xC004F074é"), Some("0xC004F074".into()));
        assert_eq!(
            error_code("ошибка 0x€€€ 0Xc004f074"),
            Some("0xC004F074".into())
        );
        assert_eq!(error_code("0x"), None);
        assert_eq!(error_code("日本語0x0000000日本語"), None);
        for check in Check::ALL {
            let _ = judge(*check, Some(1), "Error: 0x1234567é\n0x\u{FFFD}");
        }
    }
}
