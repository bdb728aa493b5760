import type { Ref } from 'vue';
import { createI18n } from 'vue-i18n';

const locales = ['pt-BR', 'en'] as const;
export type Locale = (typeof locales)[number];

type Messages = Record<string, unknown>;
interface AreaMessages {
  en: Messages;
  'pt-BR': Messages;
}

/** Each area keeps its strings in `messages/<area>.ts`; they are merged here. */
const modules = import.meta.glob<AreaMessages>('./messages/*.ts', { eager: true, import: 'default' });
const merged: Record<Locale, Messages> = { 'pt-BR': {}, en: {} };
for (const area of Object.values(modules)) {
  for (const locale of locales) Object.assign(merged[locale], area[locale]);
}

/** Portuguese unless the OS says English (the people using it write Portuguese). */
function systemLocale(): Locale {
  const wanted = navigator.languages?.[0] ?? navigator.language ?? 'pt-BR';
  return wanted.toLowerCase().startsWith('en') ? 'en' : 'pt-BR';
}

export const i18n = createI18n({
  legacy: false,
  locale: systemLocale(),
  fallbackLocale: 'en',
  messages: merged as never,
  missingWarn: false,
  fallbackWarn: false,
});

export function setLocale(choice: 'auto' | Locale): void {
  const locale = choice === 'auto' ? systemLocale() : choice;
  (i18n.global.locale as unknown as Ref<string>).value = locale;
  document.documentElement.lang = locale;
}
