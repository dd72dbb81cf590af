/** The example policies and scenarios, bundled as text by web/build.mjs (name without extension → text). */
declare module "baton:assets" {
  export const POLICIES: Readonly<Record<string, string>>;
  export const SCENARIOS: Readonly<Record<string, string>>;
}
