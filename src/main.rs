//! The `optiscope` binary: the desktop app, or a headless command.

use std::process::ExitCode;

use clap::Parser as _;
use optiscope::cli::{self, Cli, Command, UsageError};

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Run(args)) => cli::run(args),
        Some(Command::Sweep(cmd)) => cli::sweep::run(cmd),
        Some(Command::List) => cli::list(&mut std::io::stdout().lock()).map_err(Into::into),
        None => optiscope::app::launch(cli.scene.as_deref(), started),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`optiscope list | head`) is the reader's choice, not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
