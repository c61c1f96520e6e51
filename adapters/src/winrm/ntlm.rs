//! NTLMv2 for WinRM's `Negotiate` HTTP authentication (MS-NLMP), client side: the NEGOTIATE
//! message, reading the server's CHALLENGE, and the AUTHENTICATE message with the NTLMv2
//! response. No signing or sealing: WinRM runs inside TLS here, which protects the messages.
//! The primitives are public so a test stand-in can check a response the way a server does.

use hmac::{Hmac, KeyInit, Mac};
use md4::{Digest, Md4};
use md5::Md5;

/// Every NTLM message starts with this.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
const REQUEST_TARGET: u32 = 0x0000_0004;
const NEGOTIATE_NTLM: u32 = 0x0000_0200;
const ALWAYS_SIGN: u32 = 0x0000_8000;
const EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;
const NEGOTIATE_128: u32 = 0x2000_0000;
const NEGOTIATE_56: u32 = 0x8000_0000;

/// The flags this client asks for.
pub const FLAGS: u32 = NEGOTIATE_UNICODE
    | REQUEST_TARGET
    | NEGOTIATE_NTLM
    | ALWAYS_SIGN
    | EXTENDED_SESSIONSECURITY
    | NEGOTIATE_TARGET_INFO
    | NEGOTIATE_128
    | NEGOTIATE_56;

/// `MsvAvTimestamp` in a target info list.
const AV_TIMESTAMP: u16 = 7;

/// The first message: what the client supports, no names.
pub fn negotiate_message() -> Vec<u8> {
    let mut m = Vec::with_capacity(32);
    m.extend_from_slice(SIGNATURE);
    m.extend_from_slice(&1u32.to_le_bytes());
    m.extend_from_slice(&FLAGS.to_le_bytes());
    m.extend_from_slice(&[0; 16]); // domain and workstation: empty security buffers
    m
}

/// What the server's CHALLENGE message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The flags the server chose.
    pub flags: u32,
    /// The 8-byte server challenge.
    pub server_challenge: [u8; 8],
    /// The target info (AV pairs), echoed in the response.
    pub target_info: Vec<u8>,
}

fn u16_at(m: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(m.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(m: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(m.get(at..at + 4)?.try_into().ok()?))
}

/// The bytes a security buffer (length, max length, offset) at `at` points to.
fn buffer(m: &[u8], at: usize) -> Option<&[u8]> {
    let len = usize::from(u16_at(m, at)?);
    let offset = usize::try_from(u32_at(m, at + 4)?).ok()?;
    m.get(offset..offset.checked_add(len)?)
}

fn is_type(m: &[u8], t: u32) -> bool {
    m.starts_with(SIGNATURE) && u32_at(m, 8) == Some(t)
}

/// Reads a CHALLENGE message; `None` when it is not one.
pub fn parse_challenge(m: &[u8]) -> Option<Challenge> {
    if !is_type(m, 2) {
        return None;
    }
    let flags = u32_at(m, 20)?;
    let server_challenge = m.get(24..32)?.try_into().ok()?;
    let target_info = if m.len() >= 48 {
        buffer(m, 40)?.to_vec()
    } else {
        Vec::new()
    };
    Some(Challenge {
        flags,
        server_challenge,
        target_info,
    })
}

/// UTF-16LE bytes of `s`.
pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// MD4 of the UTF-16LE password.
pub fn nt_hash(password: &str) -> [u8; 16] {
    Md4::digest(utf16le(password)).into()
}

/// HMAC-MD5 over the concatenation of `parts`.
pub fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// The NTLMv2 key: HMAC-MD5 of the upper-cased user name and the domain under the NT hash.
pub fn ntlmv2_hash(nt_hash: &[u8; 16], user: &str, domain: &str) -> [u8; 16] {
    let who = utf16le(&format!("{}{domain}", user.to_uppercase()));
    hmac_md5(nt_hash, &[&who])
}

/// The `MsvAvTimestamp` of a target info list, if it has one.
pub fn av_timestamp(target_info: &[u8]) -> Option<u64> {
    let mut at = 0;
    while let (Some(id), Some(len)) = (u16_at(target_info, at), u16_at(target_info, at + 2)) {
        let value = target_info.get(at + 4..at + 4 + usize::from(len))?;
        match id {
            0 => return None,
            AV_TIMESTAMP => return Some(u64::from_le_bytes(value.try_into().ok()?)),
            _ => at += 4 + usize::from(len),
        }
    }
    None
}

/// The current time as a Windows FILETIME (100 ns since 1601).
pub fn filetime_now() -> u64 {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (unix.as_secs() + 11_644_473_600) * 10_000_000 + u64::from(unix.subsec_nanos() / 100)
}

/// The NTLMv2 "temp" blob: header, time, client challenge, target info.
pub fn client_blob(timestamp: u64, client_challenge: &[u8; 8], target_info: &[u8]) -> Vec<u8> {
    let mut b = vec![1, 1, 0, 0, 0, 0, 0, 0];
    b.extend_from_slice(&timestamp.to_le_bytes());
    b.extend_from_slice(client_challenge);
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(target_info);
    b.extend_from_slice(&[0; 4]);
    b
}

/// `DOMAIN\user` → (`DOMAIN`, `user`); anything else (`user`, `user@domain`) has no domain.
pub fn split_user(user: &str) -> (&str, &str) {
    user.split_once('\\').unwrap_or(("", user))
}

/// The AUTHENTICATE message answering `challenge` for `user` (`DOMAIN\user` or `user`).
pub fn authenticate_message(
    challenge: &Challenge,
    user: &str,
    password: &str,
    client_challenge: [u8; 8],
    now: u64,
) -> Vec<u8> {
    let (domain, name) = split_user(user);
    let key = ntlmv2_hash(&nt_hash(password), name, domain);
    let timestamp = av_timestamp(&challenge.target_info);
    let blob = client_blob(
        timestamp.unwrap_or(now),
        &client_challenge,
        &challenge.target_info,
    );
    let proof = hmac_md5(&key, &[&challenge.server_challenge, &blob]);
    let mut nt = proof.to_vec();
    nt.extend_from_slice(&blob);
    // With a server timestamp the LM response is zeros (MS-NLMP 3.1.5.1.2).
    let lm = if timestamp.is_some() {
        vec![0; 24]
    } else {
        let mut lm = hmac_md5(&key, &[&challenge.server_challenge, &client_challenge]).to_vec();
        lm.extend_from_slice(&client_challenge);
        lm
    };
    let domain = utf16le(domain);
    let name = utf16le(name);
    let workstation = utf16le("KMSBOT");
    let flags = FLAGS & (challenge.flags | NEGOTIATE_UNICODE);
    let mut payload: Vec<u8> = Vec::new();
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(SIGNATURE);
    header.extend_from_slice(&3u32.to_le_bytes());
    let base = 64u32;
    let mut push = |header: &mut Vec<u8>, data: &[u8]| {
        let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
        let offset = base + u32::try_from(payload.len()).unwrap_or(u32::MAX);
        header.extend_from_slice(&len.to_le_bytes());
        header.extend_from_slice(&len.to_le_bytes());
        header.extend_from_slice(&offset.to_le_bytes());
        payload.extend_from_slice(data);
    };
    push(&mut header, &lm);
    push(&mut header, &nt);
    push(&mut header, &domain);
    push(&mut header, &name);
    push(&mut header, &workstation);
    push(&mut header, &[]); // no session key exchange
    header.extend_from_slice(&flags.to_le_bytes());
    header.extend_from_slice(&payload);
    header
}

/// What an AUTHENTICATE message carries, for a server to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate {
    /// The domain as sent.
    pub domain: String,
    /// The user name as sent.
    pub user: String,
    /// The NTLMv2 response: 16-byte proof, then the client blob.
    pub nt_response: Vec<u8>,
}

fn utf16_string(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Reads an AUTHENTICATE message; `None` when it is not one.
pub fn parse_authenticate(m: &[u8]) -> Option<Authenticate> {
    if !is_type(m, 3) {
        return None;
    }
    Some(Authenticate {
        nt_response: buffer(m, 20)?.to_vec(),
        domain: utf16_string(buffer(m, 28)?),
        user: utf16_string(buffer(m, 36)?),
    })
}

/// Whether `auth` proves knowledge of `password` for `server_challenge` (as a server checks).
pub fn verify(auth: &Authenticate, password: &str, server_challenge: &[u8; 8]) -> bool {
    if auth.nt_response.len() < 16 + 28 {
        return false;
    }
    let key = ntlmv2_hash(&nt_hash(password), &auth.user, &auth.domain);
    let (proof, blob) = auth.nt_response.split_at(16);
    hmac_md5(&key, &[server_challenge, blob]) == proof
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn md4_vectors() {
        assert_eq!(hex(&Md4::digest(b"")), "31d6cfe0d16ae931b73c59d7e0c089c0");
        assert_eq!(
            hex(&Md4::digest(b"abc")),
            "a448017aaf21d8525fc10ae87aa6729d"
        );
    }

    /// MS-NLMP 4.2.4: NTLMv2 authentication test vectors.
    #[test]
    fn ms_nlmp_ntlmv2_vectors() {
        let nt = nt_hash("Password");
        assert_eq!(hex(&nt), "a4f49c406510bdcab6824ee7c30fd852");
        let key = ntlmv2_hash(&nt, "User", "Domain");
        assert_eq!(hex(&key), "0c868a403bfd7a93a3001ef22ef02e3f");
        let mut target_info = vec![0x02, 0x00, 0x0c, 0x00];
        target_info.extend(utf16le("Domain"));
        target_info.extend([0x01, 0x00, 0x0c, 0x00]);
        target_info.extend(utf16le("Server"));
        target_info.extend([0, 0, 0, 0]);
        let server_challenge = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
        let blob = client_blob(0, &[0xaa; 8], &target_info);
        let proof = hmac_md5(&key, &[&server_challenge, &blob]);
        assert_eq!(hex(&proof), "68cd0ab851e51c96aabc927bebef6a1c");
    }

    #[test]
    fn a_challenge_answered_is_verified_and_a_wrong_password_is_not() {
        let mut t2 = SIGNATURE.to_vec();
        t2.extend(2u32.to_le_bytes());
        t2.extend([0, 0, 0, 0, 0, 0, 0, 0]); // empty target name
        t2.extend(FLAGS.to_le_bytes());
        t2.extend([7u8; 8]);
        t2.extend([0u8; 8]);
        let info = [7u8, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0];
        t2.extend(16u16.to_le_bytes());
        t2.extend(16u16.to_le_bytes());
        t2.extend(56u32.to_le_bytes());
        t2.extend([0u8; 8]);
        t2.extend(info);
        let ch = parse_challenge(&t2).unwrap();
        assert_eq!(ch.server_challenge, [7; 8]);
        assert_eq!(av_timestamp(&ch.target_info), Some(0x0807_0605_0403_0201));
        let t3 = authenticate_message(&ch, r"CORP\Administrator", "pw", [9; 8], 1);
        let auth = parse_authenticate(&t3).unwrap();
        assert_eq!(auth.user, "Administrator");
        assert_eq!(auth.domain, "CORP");
        assert!(verify(&auth, "pw", &[7; 8]));
        assert!(!verify(&auth, "other", &[7; 8]));
        assert!(!verify(&auth, "pw", &[8; 8]));
        assert!(parse_challenge(&negotiate_message()).is_none());
    }
}
