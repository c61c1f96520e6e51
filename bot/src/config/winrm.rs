//! Validation of `transport = "winrm"` instances: address, password reference, TLS trust.

use super::InstanceConfig;

/// Checks one winrm instance; the error is `(key, message)` for the caller to place.
pub(super) fn validate(inst: &InstanceConfig, key: &str) -> Result<(), (String, String)> {
    let field = |f: &str| format!("{key}.{f}");
    match &inst.address {
        Some(a) if crate::validate::host(a) => {}
        Some(a) => {
            return Err((
                field("address"),
                format!("`{a}` is not a host name or IP address"),
            ))
        }
        None => {
            return Err((
                field("address"),
                "a winrm instance needs an address, e.g. `address = \"10.0.0.12\"`".into(),
            ))
        }
    }
    match &inst.password {
        None => {
            return Err((
                field("password"),
                "a winrm instance needs `password` as a secret reference, e.g. `password = \"env:WEB01_WINRM_PASSWORD\"` or `password = \"file:/etc/kmsbot/web-01.pass\"`".into(),
            ))
        }
        Some(r) if r.as_str().to_ascii_uppercase().starts_with("ENV:KMSBOT_") => {
            return Err((
                field("password"),
                "`KMSBOT_` variables are configuration overrides, not secrets; name the password's variable otherwise, e.g. `env:WEB01_WINRM_PASSWORD`".into(),
            ))
        }
        Some(_) => {}
    }
    if let Some(ca) = &inst.ca_file {
        if !ca.is_file() {
            return Err((
                field("ca_file"),
                format!("{} does not exist or is not a file", ca.display()),
            ));
        }
    }
    if inst.key_file.is_some() || inst.known_hosts.is_some() {
        return Err((
            field("transport"),
            "`key_file` and `known_hosts` are for ssh instances; a winrm instance uses `password` and `ca_file`".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::config::{Config, Transport, WinrmAuth};
    use std::io::Write;

    fn load(instance: &str) -> Result<Config, String> {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        write!(
            f,
            "[[instances]]\nname = \"web-01\"\nedition = \"Windows Server 2019 Datacenter\"\n{instance}"
        )
        .unwrap();
        Config::load(Some(f.path()), Vec::new()).map_err(|e| e.to_string())
    }

    const OK: &str =
        "transport = \"winrm\"\naddress = \"10.0.0.12\"\npassword = \"env:WEB01_WINRM_PASSWORD\"\n";

    #[test]
    fn a_winrm_instance_defaults_to_port_5986_basic_and_verified_tls() {
        let c = load(OK).unwrap();
        let i = &c.instances[0];
        assert_eq!(i.transport, Transport::Winrm);
        assert_eq!(i.port, 5986);
        assert_eq!(i.auth, None, "ntlm is the default");
        assert!(!i.tls_insecure);
        assert_eq!(
            load(&format!("{OK}port = 15986\nauth = \"basic\"\n"))
                .unwrap()
                .instances[0]
                .port,
            15986
        );
        assert_eq!(
            load(&format!("{OK}auth = \"basic\"\n")).unwrap().instances[0].auth,
            Some(WinrmAuth::Basic)
        );
        assert_eq!(
            load(&format!("{OK}auth = \"ntlm\"\n")).unwrap().instances[0].auth,
            Some(WinrmAuth::Ntlm)
        );
        // ssh keeps its own default port.
        let ssh =
            load("address = \"10.0.0.1\"\nkey_file = \"/k\"\nknown_hosts = \"/kh\"\n").unwrap();
        assert_eq!(ssh.instances[0].port, 22);
    }

    #[test]
    fn a_winrm_instance_is_checked_with_clear_messages() {
        let e = load("transport = \"winrm\"\naddress = \"10.0.0.12\"\n").unwrap_err();
        assert!(
            e.contains("instances[0].password") && e.contains("secret reference"),
            "{e}"
        );
        let e =
            load("transport = \"winrm\"\naddress = \"10.0.0.12\"\npassword = \"hunter2-Secret\"\n")
                .unwrap_err();
        assert!(e.contains("not a secret reference"), "{e}");
        assert!(!e.contains("hunter2"), "the value is never echoed: {e}");
        let e = load("transport = \"winrm\"\naddress = \"10.0.0.12\"\npassword = \"env:KMSBOT_WINRM_PASSWORD\"\n")
            .unwrap_err();
        assert!(
            e.contains("names starting with `KMSBOT_` are kmsbot's own configuration overrides"),
            "{e}"
        );
        let e = load(&format!("{OK}auth = \"kerberos\"\n")).unwrap_err();
        assert!(e.contains("auth"), "{e}");
        let e = load(&format!("{OK}ca_file = \"/nonexistent/ca.pem\"\n")).unwrap_err();
        assert!(e.contains("instances[0].ca_file"), "{e}");
        let e = load("transport = \"winrm\"\npassword = \"env:P\"\n").unwrap_err();
        assert!(e.contains("instances[0].address"), "{e}");
        let e = load(&format!("{OK}key_file = \"/k\"\n")).unwrap_err();
        assert!(e.contains("for ssh instances"), "{e}");
    }
}
