//! Fonts: DejaVu Sans and DejaVu Sans Mono (bundled in `assets/fonts`, with their licence) come
//! first, because they carry every glyph the UI's math uses (∇, ‖·‖, η, β₁, ᵀ, √, …) and read
//! well on projectors; egui's own fonts stay as fallbacks.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

const SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

/// Installs the bundled fonts into `ctx`.
pub fn install(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts
        .font_data
        .insert("dejavu-sans".into(), Arc::new(FontData::from_static(SANS)));
    fonts
        .font_data
        .insert("dejavu-mono".into(), Arc::new(FontData::from_static(MONO)));
    for (family, name) in [
        (FontFamily::Proportional, "dejavu-sans"),
        (FontFamily::Monospace, "dejavu-mono"),
    ] {
        fonts
            .families
            .entry(family)
            .or_default()
            .insert(0, name.into());
    }
    ctx.set_fonts(fonts);
}
