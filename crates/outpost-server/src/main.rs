//! `outpost-server`: serve the API (default), run setup commands, or create
//! the demo workspace. Configuration by flags or environment variables.

use anyhow::Context;
use clap::{Parser, Subcommand};
use outpost_core::Role;
use outpost_server::auth::HashCost;
use outpost_server::{AppState, Config, Store, setup};

#[derive(Parser)]
#[command(
    name = "outpost-server",
    version,
    about = "Outpost helpdesk sync server"
)]
struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(
        long,
        env = "OUTPOST_LISTEN",
        default_value = "127.0.0.1:7878",
        global = true
    )]
    listen: String,
    /// `sqlite:///path/to/outpost.db` or `postgres://user@host/db`.
    /// Default: an SQLite file in the platform data directory.
    #[arg(long, env = "OUTPOST_DATABASE_URL", global = true)]
    database: Option<String>,
    /// Log filter, e.g. `info` or `outpost_server=debug`.
    #[arg(long, env = "OUTPOST_LOG", default_value = "info", global = true)]
    log_level: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Workspace and agent setup.
    Admin {
        #[command(subcommand)]
        command: Admin,
    },
    /// Create the demo workspace and agents if missing (idempotent).
    /// Password `outpost-demo` for admin@demo.outpost, ana@demo.outpost, ben@demo.outpost.
    DemoSetup,
}

#[derive(Subcommand)]
enum Admin {
    /// Create a workspace and its first admin.
    CreateWorkspace {
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_password: String,
        /// IANA timezone of the workspace.
        #[arg(long, default_value = "UTC")]
        timezone: String,
    },
    /// Add an agent to a workspace.
    AddAgent {
        /// Workspace name or id.
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        password: String,
        /// `admin` or `agent`.
        #[arg(long, default_value = "agent")]
        role: String,
    },
}

fn default_database() -> anyhow::Result<String> {
    let dirs = directories::ProjectDirs::from("app", "Outpost", "outpost-server")
        .context("cannot find a data directory; pass --database")?;
    Ok(format!(
        "sqlite://{}",
        dirs.data_dir().join("outpost.db").display()
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log_level).context("bad --log-level")?,
        )
        .init();
    let url = match cli.database {
        Some(u) => u,
        None => default_database()?,
    };
    let store = Store::open(&url)
        .await
        .with_context(|| format!("opening database {url}"))?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(&cli.listen)
                .await
                .with_context(|| format!("binding {}", cli.listen))?;
            let addr = listener.local_addr()?;
            println!(
                "outpost-server listening on http://{addr} ({} database)",
                store.engine()
            );
            let state = AppState::new(store, Config::default());
            // Ctrl-C, or SIGTERM from systemd / a container runtime: stop
            // accepting, finish in-flight requests (each push is one
            // transaction, so nothing is half-applied either way).
            let shutdown = async {
                #[cfg(unix)]
                {
                    let mut term =
                        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                            .expect("installing the SIGTERM handler");
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                #[cfg(not(unix))]
                let _ = tokio::signal::ctrl_c().await;
                println!("outpost-server shutting down");
            };
            outpost_server::serve(listener, state, shutdown).await?;
        }
        Command::DemoSetup => {
            let ws = setup::demo_setup(&store, HashCost::Standard)
                .await
                .map_err(anyhow::Error::msg)?;
            println!("demo workspace {:?} ({}) is ready", ws.name, ws.id);
            for (email, _, role) in setup::DEMO_AGENTS {
                println!("  {email} / {} ({})", setup::DEMO_PASSWORD, role.code());
            }
        }
        Command::Admin { command } => match command {
            Admin::CreateWorkspace {
                name,
                admin_email,
                admin_password,
                timezone,
            } => {
                let (ws, admin) = setup::create_workspace(
                    &store,
                    &name,
                    &timezone,
                    &admin_email,
                    &admin_password,
                    HashCost::Standard,
                )
                .await
                .map_err(anyhow::Error::msg)?;
                println!(
                    "created workspace {:?} ({}) with admin {}",
                    ws.name, ws.id, admin.email
                );
            }
            Admin::AddAgent {
                workspace,
                email,
                name,
                password,
                role,
            } => {
                let role = Role::from_code(&role).context("role must be admin or agent")?;
                let a = setup::add_agent(
                    &store,
                    &workspace,
                    &email,
                    &name,
                    &password,
                    role,
                    HashCost::Standard,
                )
                .await
                .map_err(anyhow::Error::msg)?;
                println!("added {} ({}) as {}", a.email, a.id, a.role.code());
            }
        },
    }
    Ok(())
}
