import type { Ref } from 'vue';
import { afterEach, describe, expect, it } from 'vitest';
import { alertTitle } from '../../src-renderer/components/alert-title';
import { i18n } from '../../src-renderer/i18n';

const locale = i18n.global.locale as unknown as Ref<string>;

describe('alert titles on screen', () => {
  afterEach(() => (locale.value = 'en'));

  it('words a title the console wrote in the screen’s language, with its parameters', () => {
    const alert = { title: 'WhatsApp loja-bh: desconectada / disconnected', text: { key: 'waClosed', params: { instance: 'loja-bh' } } };
    locale.value = 'pt-BR';
    expect(alertTitle(alert)).toBe('WhatsApp loja-bh: desconectada');
    locale.value = 'en';
    expect(alertTitle(alert)).toBe('WhatsApp loja-bh: disconnected');
    expect(alertTitle({ title: 't', text: { key: 'jobSilent', params: { job: 'abc', minutes: 5 } } })).toBe('Job abc: no logs for 5 min');
  });

  it('shows an upstream’s own title, or an unknown key’s, as it came', () => {
    locale.value = 'pt-BR';
    expect(alertTitle({ title: 'Servidor Principal Offline' })).toBe('Servidor Principal Offline');
    expect(alertTitle({ title: 'as sent', text: { key: 'noSuchKey', params: {} } })).toBe('as sent');
  });
});
