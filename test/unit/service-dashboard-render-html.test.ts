import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, join, raw } from '../../service/dashboard/render/html.ts';

describe('html', () => {
  it('escapes every interpolated text, in content and in attributes', () => {
    const evil = `"><script>alert('x')</script>&`;
    assert.equal(html`<a title="${evil}">${evil}</a>`.text, '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</a>');
  });
  it('keeps markup made by html or raw as it is, and escapes text inside lists', () => {
    const items = ['<b>', html`<i>${'&'}</i>`];
    assert.equal(html`<p>${items}${raw('<br>')}</p>`.text, '<p>&lt;b&gt;<i>&amp;</i><br></p>');
  });
  it('writes nothing for null, undefined and false, and numbers as text', () => {
    assert.equal(html`${null}${undefined}${false}${0}${12.5}`.text, '012.5');
  });
  it('joins parts with a separator', () => {
    assert.equal(join(['a<', html`<b></b>`], ', ').text, 'a&lt;, <b></b>');
    assert.equal(escapeHtml(`'"`), '&#39;&quot;');
  });
});
