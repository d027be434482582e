//! Text drawn straight from glyph outlines onto an RGB buffer.
//!
//! plotters' own text path places each glyph by its bounding box, ignoring
//! bearings, so a comma or a decimal point floats at mid-height (`SYN,ACK`
//! reads as `SYN.ACK`). Here each glyph is positioned on the baseline by the
//! font's metrics, with kerning, and blended by its coverage.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

/// One label to draw: top-left corner, size in pixels, colour, bold.
#[derive(Debug, Clone)]
pub struct Label {
    /// Left edge.
    pub x: f64,
    /// Top of the line.
    pub y: f64,
    /// Font size in pixels.
    pub size: f32,
    /// RGB colour.
    pub rgb: [u8; 3],
    /// The text.
    pub text: String,
    /// Bold face.
    pub bold: bool,
    /// Paint this colour behind the text first (so lines under it do not
    /// cross it).
    pub bg: Option<[u8; 3]>,
}

/// A typeface of the embedded DejaVu family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
    /// DejaVu Sans Mono.
    Mono,
}

impl Face {
    fn font(self) -> FontRef<'static> {
        let bytes = match self {
            Face::Regular => dejavu::sans::regular(),
            Face::Bold => dejavu::sans::bold(),
            Face::Mono => dejavu::sans_mono::regular(),
        };
        FontRef::try_from_slice(bytes).expect("embedded DejaVu font is valid")
    }
}

fn face(bold: bool) -> FontRef<'static> {
    if bold { Face::Bold } else { Face::Regular }.font()
}

/// Width in pixels of `text` at `size` (pixels from descender to ascender)
/// in `face`: advances and kerning.
pub fn width_in(face: Face, text: &str, size: f32) -> f64 {
    let font = face.font();
    let f = font.as_scaled(PxScale::from(size));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    f64::from(w)
}

/// Height of a line of text at `size` in `face`.
pub fn line_height(face: Face, size: f32) -> f64 {
    let font = face.font();
    let f = font.as_scaled(PxScale::from(size));
    f64::from(f.ascent() - f.descent())
}

/// Rasterises `text` with the top-left of its line box at `(dx, dy)`:
/// calls `pixel(x, y, coverage)` for every covered pixel. Each glyph sits
/// on the baseline at its advance (with kerning); its outline keeps its
/// side bearings.
pub fn raster(
    face: Face,
    text: &str,
    size: f32,
    dx: f64,
    dy: f64,
    mut pixel: impl FnMut(i32, i32, f32),
) {
    let font = face.font();
    let f = font.as_scaled(PxScale::from(size));
    let baseline = dy as f32 + f.ascent();
    let mut caret = dx as f32;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            caret += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(f.scale(), point(caret, baseline));
        caret += f.h_advance(id);
        prev = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, cov| {
            let x = bounds.min.x as i32 + gx as i32;
            let y = bounds.min.y as i32 + gy as i32;
            if cov > 0.0 {
                pixel(x, y, cov.min(1.0));
            }
        });
    }
}

/// Width in pixels of `text` at `size`.
pub fn width(text: &str, size: f32, bold: bool) -> f64 {
    let font = face(bold);
    let f = font.as_scaled(PxScale::from(size));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    f64::from(w)
}

/// Draws `labels` onto `buf` (RGB, `w` x `h`).
pub fn draw(buf: &mut [u8], w: u32, h: u32, labels: &[Label]) {
    let regular = face(false);
    let bold = face(true);
    for l in labels {
        let font = if l.bold { &bold } else { &regular };
        let f = font.as_scaled(PxScale::from(l.size));
        if let Some(bg) = l.bg {
            let tw = width(&l.text, l.size, l.bold);
            let (x0, y0) = ((l.x - 2.0).max(0.0) as u32, (l.y).max(0.0) as u32);
            let (x1, y1) = (
                ((l.x + tw + 2.0) as u32).min(w),
                ((l.y + f64::from(f.height()) + 1.0) as u32).min(h),
            );
            for py in y0..y1 {
                for px in x0..x1 {
                    let i = ((py as usize) * (w as usize) + px as usize) * 3;
                    buf[i..i + 3].copy_from_slice(&bg);
                }
            }
        }
        let baseline = l.y as f32 + f.ascent();
        let mut caret = l.x as f32;
        let mut prev = None;
        for c in l.text.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                caret += f.kern(p, id);
            }
            let glyph = id.with_scale_and_position(f.scale(), point(caret, baseline));
            caret += f.h_advance(id);
            prev = Some(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, cov| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px < 0 || py < 0 || px >= i64::from(w) || py >= i64::from(h) {
                    return;
                }
                let i = ((py as usize) * (w as usize) + px as usize) * 3;
                let a = cov.clamp(0.0, 1.0);
                for k in 0..3 {
                    let bg = f32::from(buf[i + k]);
                    buf[i + k] = (bg + (f32::from(l.rgb[k]) - bg) * a).round() as u8;
                }
            });
        }
    }
}
